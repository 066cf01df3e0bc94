"""FastAPI dependencies: who is asking (session cookie, display cookie or bearer token)."""
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from app import auth
from app.db import session_scope
from app.errors import NotAuthenticated, PermissionDenied
from app.models import ApiToken, utcnow
from app.services import displays
from app.services.access import Actor, actor_for_display, actor_for_user, has_access


def _resolve(request: Request) -> Actor | None:
    header = request.headers.get('authorization', '')
    with session_scope() as session:
        if header.lower().startswith('bearer '):
            return _actor_for_token(session, header[7:].strip())
        user_id = getattr(request.state, 'user_id', None)
        if user_id is not None:
            return actor_for_user(session, user_id)
        display_id = getattr(request.state, 'display_id', None)
        if display_id is not None:
            return actor_for_display(session, display_id)
        return displays.actor_for_token(session, request.cookies.get(displays.DISPLAY_COOKIE))


def _actor_for_token(session: object, token: str) -> Actor | None:
    from sqlalchemy import select
    from sqlmodel import Session
    assert isinstance(session, Session)
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == auth.token_digest(token),
                                              ApiToken.revoked_at.is_(None))).scalars().first()
    if row is None:
        raise NotAuthenticated('invalid or revoked API token')
    row.last_used_at = utcnow()
    session.add(row)
    session.commit()
    return actor_for_user(session, row.user_id)


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
