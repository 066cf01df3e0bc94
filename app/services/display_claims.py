"""Pairing by a code on the screen (issue 26): an unpaired wall screen shows a short code, an admin types it for a
display in Admin → Displays, and the screen becomes that display's board by itself.

The screen holds a random secret (only its page knows it); once claimed, `collect` hands the screen a one-time
pairing code (the secret itself, now the display's pairing code), which the page opens as `/display/pair?code=...`:
the existing pairing route replaces the display's token and sets the device cookie, so pairing stays in one place.
Guessing is throttled per app process: more than FAILURES_PER_MINUTE wrong codes in a minute refuse every claim.
"""
import secrets
import threading
import time
from collections import deque
from datetime import timedelta

from sqlalchemy import delete, select
from sqlmodel import Session, col

from app import auth, events
from app.db import rolls_back, select_rows
from app.errors import InvalidInput
from app.i18n import N_
from app.models import DisplayClaim, utcnow
from app.services.access import Action, Actor, require
from app.services.displays import DisplayInfo, _get, _info

ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'  # no 0/O, 1/I: readable from across the room
CODE_LENGTH = 8
CLAIM_TTL = timedelta(minutes=15)
FAILURES_PER_MINUTE = 10
_failures: deque[float] = deque()  # monotonic times of wrong codes in this process
_lock = threading.Lock()


def shown(code: str) -> str:
    """ABCDEFGH -> ABCD-EFGH, as the screen shows it."""
    return f'{code[:4]}-{code[4:]}'


def normalised(typed: str) -> str:
    """What the admin typed, without case, dashes or spaces."""
    return ''.join(c for c in typed.upper() if c not in '- \t')


@rolls_back
def start_claim(session: Session) -> tuple[str, str]:
    """A new code for an unpaired screen (shown as ABCD-EFGH, valid CLAIM_TTL) and the screen's secret."""
    session.execute(delete(DisplayClaim).where(col(DisplayClaim.expires_at) <= utcnow()))
    code = ''.join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    secret = auth.new_token('pair')
    session.add(DisplayClaim(code_hash=auth.token_digest(code), secret_hash=auth.token_digest(secret),
                             expires_at=utcnow() + CLAIM_TTL))
    session.commit()
    return shown(code), secret


@rolls_back
def claim(session: Session, *, actor: Actor, display_id: int, code: str) -> DisplayInfo:
    """Admin: the screen showing `code` becomes this display (it pairs itself within seconds)."""
    require(actor, Action.ADMINISTER)
    display = _get(session, display_id)
    if _too_many_failures():
        raise InvalidInput(N_('too many wrong codes: wait a minute and try again'), field='code')
    found = select_rows(session, select(DisplayClaim).where(
        col(DisplayClaim.code_hash) == auth.token_digest(normalised(code)),
        col(DisplayClaim.expires_at) > utcnow(), col(DisplayClaim.display_id).is_(None))).scalars().first()
    if found is None:
        _note_failure()
        raise InvalidInput(N_('no screen shows this code (check it, or it expired or was used already)'),
                           field='code')
    found.display_id = display.id
    display.pairing_code_hash, display.revoked_at = found.secret_hash, None  # the screen's secret pairs it once
    session.add_all([found, display])
    session.commit()
    events.publish(events.display_changed, display_id)
    return _info(session, display)


def claimed(session: Session, secret: str) -> bool:
    """Whether an admin has claimed the screen holding this secret (a read: the screen asks every few seconds)."""
    return _claimed(session, secret) is not None


def _claimed(session: Session, secret: str) -> DisplayClaim | None:
    return select_rows(session, select(DisplayClaim).where(
        col(DisplayClaim.secret_hash) == auth.token_digest(secret),
        col(DisplayClaim.display_id).is_not(None))).scalars().first()


@rolls_back
def collect(session: Session, secret: str) -> str | None:
    """The screen asks with its secret: once claimed, its one-time pairing code (the claim is gone), else None."""
    found = _claimed(session, secret)
    if found is None:
        return None
    session.delete(found)
    session.commit()
    return secret


def _too_many_failures() -> bool:
    with _lock:
        while _failures and time.monotonic() - _failures[0] > 60:
            _failures.popleft()
        return len(_failures) >= FAILURES_PER_MINUTE


def _note_failure() -> None:
    with _lock:
        _failures.append(time.monotonic())


def forget_failures() -> None:
    """Tests: a fresh throttle."""
    with _lock:
        _failures.clear()
