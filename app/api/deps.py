"""FastAPI dependencies: who is asking (session cookie, display cookie or bearer token)."""
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select, update
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app import auth
from app.db import read_session, session_scope
from app.errors import NotAuthenticated, PermissionDenied
from app.models import ApiToken, utcnow
from app.services import displays
from app.services.access import Actor, actor_for_display, actor_for_user, has_access

LAST_USED_RESOLUTION = timedelta(minutes=1)  # write last_used_at at most this often (not on every call)


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer ...` header, if there is one."""
    scheme, _, token = request.headers.get('authorization', '').partition(' ')
    return token.strip() if scheme.lower() == 'bearer' else None


def _resolve(request: Request) -> Actor | None:
    token = bearer_token(request)
    with read_session() as session:  # a read: on SQLite it must not take the write lock on every API call
        if token is not None:
            return _actor_for_token(session, token)
        user_id = getattr(request.state, 'user_id', None)
        if user_id is not None:
            return actor_for_user(session, user_id)
        display_id = getattr(request.state, 'display_id', None)
        if display_id is not None:
            return actor_for_display(session, display_id)
        return displays.actor_for_token(session, request.cookies.get(displays.DISPLAY_COOKIE))


def _actor_for_token(session: Session, token: str) -> Actor:
    """The token's user (with that user's current rights); 401 for an unknown or revoked token."""
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == auth.token_digest(token),
                                              ApiToken.revoked_at.is_(None))).scalars().first()
    actor = actor_for_user(session, row.user_id) if row is not None else None
    if row is None or actor is None:
        raise NotAuthenticated('invalid or revoked API token')
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        token_id = row.id
        session.rollback()  # end the read first: with a rollback journal a reader would block this writer
        with session_scope() as write:
            write.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
            write.commit()
    return actor


async def current_viewer(request: Request) -> Actor:
    """A person with CTP access or a paired wall display; 401 when neither, 403 without CTP access."""
    actor = await run_in_threadpool(_resolve, request)
    if actor is None:
        raise NotAuthenticated('sign in first (session cookie or Authorization: Bearer token)')
    if not has_access(actor):
        raise PermissionDenied('your account has no access to CTP Log')
    request.state.actor = actor
    return actor


async def current_actor(request: Request) -> Actor:
    """A signed-in person with CTP access: wall displays read their board (and its photos) and nothing else."""
    actor = await current_viewer(request)
    if actor.is_display:
        raise PermissionDenied('a display can only read its board')
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
CurrentViewer = Annotated[Actor, Depends(current_viewer)]
