"""FastAPI dependencies: who is asking (session cookie, display cookie or bearer token)."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select, update
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool

from app import auth, i18n
from app.api.errors import caller_language
from app.db import read_session, select_rows, session_scope
from app.errors import NotAuthenticated, PermissionDenied
from app.i18n import N_
from app.models import ApiToken, utcnow
from app.services import displays
from app.services.access import Actor, actor_for_display, actor_for_user, has_access

SIGN_IN_FIRST = N_('sign in first (session cookie or Authorization: Bearer token)')
LAST_USED_RESOLUTION = timedelta(minutes=1)  # write last_used_at at most this often (not on every call)


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer ...` header, if there is one."""
    scheme, _, token = request.headers.get('authorization', '').partition(' ')
    return token.strip() if scheme.lower() == 'bearer' else None


def _resolve(request: Request, session: Session) -> Actor | None:
    token = bearer_token(request)
    if token is not None:
        return _actor_for_token(session, token)
    user_id = getattr(request.state, 'user_id', None)
    if user_id is not None:  # a cookie session: signed out if it proved the password before the user's sessions ended
        return actor_for_user(session, user_id, session_since=getattr(request.state, 'session_since', None))
    display_id = getattr(request.state, 'display_id', None)
    if display_id is not None:
        return actor_for_display(session, display_id)
    return displays.actor_for_token(session, request.cookies.get(displays.DISPLAY_COOKIE))


def _has_credentials(request: Request) -> bool:
    """Whether the request carries any credential at all (checked without the database)."""
    state = request.state
    return (bearer_token(request) is not None or getattr(state, 'user_id', None) is not None
            or getattr(state, 'display_id', None) is not None or bool(request.cookies.get(displays.DISPLAY_COOKIE)))


def _actor_for_token(session: Session, token: str) -> Actor:
    """The token's user (with that user's current rights); 401 for an unknown or revoked token."""
    row = select_rows(session, select(ApiToken).where(col(ApiToken.token_hash) == auth.token_digest(token),
                                              col(ApiToken.revoked_at).is_(None))).scalars().first()
    actor = actor_for_user(session, row.user_id) if row is not None else None
    if row is None or actor is None:
        raise NotAuthenticated(N_('invalid or revoked API token'))
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        token_id = row.id
        session.rollback()  # end the read first: with a rollback journal a reader would block this writer
        with session_scope() as write:
            write.execute(update(ApiToken).where(col(ApiToken.id) == token_id).values(last_used_at=now))
            write.commit()
    return actor


def resolve_viewer(request: Request, session: Session) -> Actor:
    """A person with CTP access or a paired wall display; 401 when neither, 403 without CTP access."""
    actor = _resolve(request, session)
    if actor is None:
        raise NotAuthenticated(SIGN_IN_FIRST)
    request.state.language = actor.language  # the language of this caller's error messages (api/errors.py)
    speak_callers_language(request)
    if not has_access(actor):
        raise PermissionDenied(N_('your account has no access to CTP Log'))
    return actor


def resolve_actor(request: Request, session: Session) -> Actor:
    """A signed-in person with CTP access: wall displays read their board (and its photos) and nothing else."""
    actor = resolve_viewer(request, session)
    if actor.is_display:
        raise PermissionDenied(N_('a display can only read its board'))
    return actor


def speak_callers_language(request: Request) -> None:
    """The rest of this request (and the worker threads it starts) in the caller's language: the words a service
    puts in an answer, such as a problem's category name, read as the caller reads the error messages."""
    i18n.use_language(caller_language(request))


async def _in_own_hop(resolve: Callable[[Request, Session], Actor], request: Request) -> Actor:
    def run() -> Actor:
        with read_session() as session:  # a read: on SQLite it must not take the write lock on every API call
            return resolve(request, session)
    actor = await run_in_threadpool(run)
    speak_callers_language(request)  # the thread's own context ended with it: again in the endpoint's
    return actor


async def current_viewer(request: Request) -> Actor:
    return await _in_own_hop(resolve_viewer, request)


async def current_actor(request: Request) -> Actor:
    return await _in_own_hop(resolve_actor, request)


@dataclass(frozen=True)
class Caller:
    """A person's request whose rights are checked inside the endpoint's own read (`routes.read_as`): one
    worker-thread hop and one read transaction per request instead of two. For the busiest read endpoints."""
    request: Request

    def actor(self, session: Session) -> Actor:
        return resolve_actor(self.request, session)


async def caller(request: Request) -> Caller:
    """401 at once for a request without any credential; the credential itself is checked by `Caller.actor`."""
    if not _has_credentials(request):
        raise NotAuthenticated(SIGN_IN_FIRST)
    return Caller(request)


async def current_session_actor(request: Request) -> Actor:
    """A person signed in with the session cookie: what manages API tokens (a token cannot mint tokens)."""
    if bearer_token(request) is not None:
        raise PermissionDenied(N_('API tokens are managed from a signed-in session (Profile), not with a token'))
    return await current_actor(request)


CurrentActor = Annotated[Actor, Depends(current_actor)]
SessionActor = Annotated[Actor, Depends(current_session_actor)]
CurrentViewer = Annotated[Actor, Depends(current_viewer)]
CurrentCaller = Annotated[Caller, Depends(caller)]
