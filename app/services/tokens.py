"""Personal API tokens: a user creates and revokes their own; the secret is shown once and stored as SHA-256.

Creating one needs the password re-entered (throttled like signing in), and the callers only offer this from a
signed-in session, never from a token (a token cannot breed tokens). Admins list and revoke anyone's tokens.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from app import auth
from app.db import rolls_back, select_rows
from app.errors import InvalidInput, NotFound, PermissionDenied
from app.i18n import N_
from app.models import ApiToken, utcnow
from app.services import throttle, users
from app.services.access import Action, Actor, has_access, require

MAX_ACTIVE_TOKENS = 20


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


def _require_person(actor: Actor) -> int:
    if actor.user_id is None or not has_access(actor):
        raise PermissionDenied(N_('only a person with access to CTP Log has API tokens'))
    return actor.user_id


def list_tokens(session: Session, *, actor: Actor) -> list[TokenInfo]:
    """The actor's tokens that are not revoked, newest first (never the secret)."""
    user_id = _require_person(actor)
    rows = select_rows(session, select(ApiToken).where(col(ApiToken.user_id) == user_id, col(ApiToken.revoked_at)
                                                       .is_(None))
                        .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())).scalars()
    return [_info(row) for row in rows]


@rolls_back
def create_token(session: Session, *, actor: Actor, name: str, password: str, address: str) -> tuple[TokenInfo, str]:
    """A new token for the actor: (info, secret), after the actor's password was re-entered. The secret is not
    kept and cannot be shown again."""
    user_id = _require_person(actor)
    name = name.strip()
    if not 1 <= len(name) <= 80:
        raise InvalidInput(N_('a token name has 1 to 80 characters'), field='name')
    username = users.get_user_or_raise(session, user_id).username
    throttle.prove_password(session, username=username, password=password, address=address, field='password')
    active = select_rows(session, select(func.count()).select_from(ApiToken).where(
        col(ApiToken.user_id) == user_id, col(ApiToken.revoked_at).is_(None))).one()[0]
    if active >= MAX_ACTIVE_TOKENS:
        raise InvalidInput(N_('at most {count} tokens; revoke one first'), field='name', count=MAX_ACTIVE_TOKENS)
    secret = auth.new_token()
    row = ApiToken(user_id=user_id, name=name, token_hash=auth.token_digest(secret))
    session.add(row)
    session.commit()
    return _info(row), secret


@rolls_back
def revoke_token(session: Session, *, actor: Actor, token_id: int) -> None:
    """Revoke one of the actor's own tokens; someone else's (or a revoked one) is 404."""
    _revoke_one(session, _require_person(actor), token_id)


@rolls_back
def revoke_all_own(session: Session, *, actor: Actor) -> int:
    """End every token of the actor at once; how many were active."""
    return _revoke_all(session, _require_person(actor))


def list_user_tokens(session: Session, *, actor: Actor, user_id: int) -> list[TokenInfo]:
    """Admins: a user's active tokens (never the secrets)."""
    require(actor, Action.ADMINISTER)
    users.get_user_or_raise(session, user_id)
    rows = select_rows(session, select(ApiToken).where(col(ApiToken.user_id) == user_id, col(ApiToken.revoked_at)
                                                       .is_(None))
                        .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())).scalars()
    return [_info(row) for row in rows]


@rolls_back
def revoke_user_token(session: Session, *, actor: Actor, user_id: int, token_id: int | None) -> int:
    """Admins: revoke one of a user's tokens (404 if it is not theirs or already revoked), or all (token_id None)."""
    require(actor, Action.ADMINISTER)
    users.get_user_or_raise(session, user_id)
    if token_id is None:
        return _revoke_all(session, user_id)
    _revoke_one(session, user_id, token_id)
    return 1


def _revoke_one(session: Session, user_id: int, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user_id or row.revoked_at is not None:
        raise NotFound(N_('token {id} not found'), id=token_id)
    row.revoked_at = utcnow()
    session.add(row)
    session.commit()


def _revoke_all(session: Session, user_id: int) -> int:
    rows = list(select_rows(session, select(ApiToken).where(col(ApiToken.user_id) == user_id,
                                                    col(ApiToken.revoked_at).is_(None))).scalars())
    now = utcnow()
    for row in rows:
        row.revoked_at = now
        session.add(row)
    session.commit()
    return len(rows)


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(id=row.id, name=row.name, created_at=row.created_at,  # type: ignore[arg-type]
                     last_used_at=row.last_used_at)
