"""Sign-in for scripts and integrations (the same session cookie as the pages) and personal API tokens."""
from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from app.api import sessions
from app.api.deps import CurrentActor, SessionActor
from app.api.routes import PathId, in_read_session, in_session
from app.config import get_settings
from app.models.schemas import LanguageIn, StrictModel, UserPublic
from app.services import throttle, tokens, users

router = APIRouter(prefix='/api/auth', tags=['auth'])


class LoginIn(StrictModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenIn(StrictModel):
    name: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=256, description='your password, re-entered')


class TokenOut(BaseModel):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description='the secret: shown once, send it as "Authorization: Bearer <token>"')


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else None
    return throttle.client_address(peer, request.headers.get('x-forwarded-for'), get_settings().trusted_proxies)


@router.post('/login', response_model=UserPublic)
async def login(body: LoginIn, request: Request) -> UserPublic:
    """Check the credentials and sign a fresh session cookie in (401 if wrong, 429 while throttled)."""
    address = client_address(request)
    throttle.held_back(body.username, address)   # on the event loop: a known hold never waits for a thread
    attempt = await in_session(lambda s: throttle.reserve(s, username=body.username, address=address))
    # the Argon2 check waits for a hash thread without holding a worker thread, so 429s never queue behind hashes
    if not await throttle.password_matches_async(attempt, body.password):
        throttle.refuse(attempt)
    public = await in_session(lambda s: users.to_public(s, throttle.complete(s, attempt=attempt,
                                                                              password=body.password)))
    await sessions.sign_in(request, public.id)
    return public


@router.post('/logout', status_code=204)
async def logout(request: Request) -> Response:
    """Sign the session out."""
    sign_out = getattr(request.state, 'sign_out', None)  # absent only without the session middleware
    if sign_out is not None:
        sign_out()
    return Response(status_code=204)


@router.get('/me', response_model=UserPublic)
async def me(actor: CurrentActor) -> UserPublic:
    """The signed-in user."""
    return await in_read_session(lambda s: users.to_public(s, users.get_user_or_raise(s, actor.user_id or 0)))


@router.put('/me/language', response_model=UserPublic)
async def update_my_language(body: LanguageIn, actor: CurrentActor) -> UserPublic:
    """The signed-in user's language (en, de; null = the plant default), from their next page load."""
    def work(session: object) -> UserPublic:
        return users.to_public(session, users.set_own_language(session, actor=actor, language=body.language))  # type: ignore[arg-type]
    return await in_session(work)


@router.get('/tokens', response_model=list[TokenOut])
async def read_tokens(actor: SessionActor) -> list[TokenOut]:
    """The caller's personal API tokens (without their secrets); from a signed-in session only."""
    rows = await in_read_session(lambda s: tokens.list_tokens(s, actor=actor))
    return [TokenOut(**vars(row)) for row in rows]


@router.post('/tokens', response_model=NewTokenOut, status_code=201)
async def create_token(body: TokenIn, actor: SessionActor, request: Request) -> NewTokenOut:
    """A new personal API token, from a signed-in session with the password re-entered; the secret is in this
    answer only."""
    address = client_address(request)
    info, secret = await in_session(lambda s: tokens.create_token(s, actor=actor, name=body.name,
                                                                  password=body.password, address=address))
    return NewTokenOut(**vars(info), token=secret)


@router.delete('/tokens/{token_id}', status_code=204)
async def revoke_token(token_id: PathId, actor: SessionActor) -> Response:
    """Revoke one of the caller's tokens at once (from a signed-in session)."""
    await in_session(lambda s: tokens.revoke_token(s, actor=actor, token_id=token_id))
    return Response(status_code=204)
