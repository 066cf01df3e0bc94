"""Sign-in for scripts and integrations: the same session cookie as the pages."""
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import CurrentActor
from app.api.routes import in_session
from app.errors import NotAuthenticated
from app.models.schemas import UserPublic
from app.services import users

router = APIRouter(prefix='/api/auth', tags=['auth'])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra='forbid')
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


@router.post('/login', response_model=UserPublic)
async def login(body: LoginIn, request: Request) -> UserPublic:
    """Check the credentials and sign the session cookie in."""
    def work(session: object) -> UserPublic:
        user = users.authenticate(session, username=body.username, password=body.password)  # type: ignore[arg-type]
        if user is None:
            raise NotAuthenticated('wrong user name or password')
        return users.to_public(session, user)  # type: ignore[arg-type]
    public = await in_session(work)
    request.state.sign_in(public.id)  # installed by the session middleware (components/session.py)
    return public


@router.post('/logout', status_code=204)
async def logout(request: Request) -> Response:
    """Sign the session out."""
    request.state.sign_out()
    return Response(status_code=204)


@router.get('/me', response_model=UserPublic)
async def me(actor: CurrentActor) -> UserPublic:
    """The signed-in user."""
    return await in_session(lambda s: users.to_public(s, users.get_user_or_raise(s, actor.user_id or 0)))
