"""Wall displays: registered by an admin, paired once with a one-time code, read-only, scoped, revocable."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlmodel import Session, col

from app import auth, events
from app.db import rolls_back, select_rows
from app.errors import InvalidInput, NotFound
from app.i18n import N_
from app.models import CTPMachine, DisplayDevice, DisplayMachine, utcnow
from app.services.access import Action, Actor, actor_for_display, require
from app.services.users import check_language

DISPLAY_COOKIE = 'ctp_display'
DISPLAY_COOKIE_MAX_AGE = 10 * 365 * 24 * 3600  # kiosks never time out; revocation is the off switch
HEARTBEAT = timedelta(seconds=60)  # an open board reports in this often (components/wall.py)
CONNECTED_WITHIN = timedelta(seconds=150)  # heard from within this: "connected now" (a missed beat is forgiven)


@dataclass(frozen=True)
class DisplayInfo:
    id: int
    name: str
    machine_ids: list[int] | None  # None = every machine
    paired: bool
    pairing_pending: bool
    last_seen_at: datetime | None
    revoked_at: datetime | None
    language: str | None = None  # None: the plant default

    @property
    def connected(self) -> bool:
        """A paired display whose board reported in lately (works across app processes: it is in the database)."""
        return self.paired and self.last_seen_at is not None and utcnow() - self.last_seen_at < CONNECTED_WITHIN


def _info(session: Session, display: DisplayDevice) -> DisplayInfo:
    ids = None if display.all_machines else sorted(select_rows(session, select(col(DisplayMachine.machine_id)).where(
        col(DisplayMachine.display_id) == display.id)).scalars())
    return DisplayInfo(id=display.id, name=display.name, machine_ids=ids, paired=display.token_hash is not None,  # type: ignore[arg-type]
                       pairing_pending=display.pairing_code_hash is not None, last_seen_at=display.last_seen_at,
                       revoked_at=display.revoked_at, language=display.language)


def list_displays(session: Session, *, actor: Actor) -> list[DisplayInfo]:
    require(actor, Action.ADMINISTER)
    return [_info(session, d) for d in select_rows(session, select(DisplayDevice).order_by(col(DisplayDevice.name)))
            .scalars()]


@rolls_back
def register_display(session: Session, *, actor: Actor, name: str,
                     machine_ids: list[int] | None = None) -> tuple[DisplayInfo, str]:
    """Admin: a new display and its one-time pairing code (shown once, stored hashed)."""
    require(actor, Action.ADMINISTER)
    name = name.strip()
    if not 1 <= len(name) <= 80:
        raise InvalidInput(N_('a display name has 1 to 80 characters'), field='name')
    display = DisplayDevice(name=name, all_machines=machine_ids is None, created_by=actor.user_id)
    session.add(display)
    session.flush()
    _set_scope(session, display, machine_ids)
    code = auth.new_token('pair')
    display.pairing_code_hash = auth.token_digest(code)
    session.commit()
    return _info(session, display), code


@rolls_back
def new_pairing_code(session: Session, *, actor: Actor, display_id: int) -> str:
    """Admin: a fresh one-time code for a display (e.g. a replaced screen); the old device stays paired."""
    require(actor, Action.ADMINISTER)
    display = _get(session, display_id)
    code = auth.new_token('pair')
    display.pairing_code_hash, display.revoked_at = auth.token_digest(code), None
    session.add(display)
    session.commit()
    return code


@rolls_back
def update_scope(session: Session, *, actor: Actor, display_id: int, machine_ids: list[int] | None) -> DisplayInfo:
    require(actor, Action.ADMINISTER)
    display = _get(session, display_id)
    _set_scope(session, display, machine_ids)
    session.commit()
    events.publish(events.display_changed, display_id)
    return _info(session, display)


@rolls_back
def set_language(session: Session, *, actor: Actor, display_id: int, language: str | None) -> DisplayInfo:
    """Admin: the language of a display's board (None: the plant default); its open board reloads in it."""
    require(actor, Action.ADMINISTER)
    display = _get(session, display_id)
    display.language = check_language(language)
    session.add(display)
    session.commit()
    events.publish(events.display_changed, display_id)
    return _info(session, display)


def _set_scope(session: Session, display: DisplayDevice, machine_ids: list[int] | None) -> None:
    session.execute(delete(DisplayMachine).where(col(DisplayMachine.display_id) == display.id))
    display.all_machines = machine_ids is None
    wanted = set(machine_ids or [])
    known = set(select_rows(session, select(col(CTPMachine.id)).where(col(CTPMachine.id).in_(wanted))).scalars())
    if unknown := wanted - known:
        raise InvalidInput(N_('unknown machines: {ids}'), field='machine_ids', ids=sorted(unknown))
    session.add_all([DisplayMachine(display_id=display.id, machine_id=m) for m in sorted(wanted)])  # type: ignore[arg-type]
    session.add(display)


@rolls_back
def revoke_display(session: Session, *, actor: Actor, display_id: int) -> None:
    """Admin: the display loses access at once (its open board is cut off)."""
    require(actor, Action.ADMINISTER)
    display = _get(session, display_id)
    display.revoked_at, display.token_hash, display.pairing_code_hash = utcnow(), None, None
    session.add(display)
    session.commit()
    events.publish(events.display_changed, display_id)


@rolls_back
def pair(session: Session, *, code: str) -> str:
    """Exchange a one-time pairing code for the device's long-lived token (returned once, stored hashed)."""
    display = select_rows(session, select(DisplayDevice).where(
        col(DisplayDevice.pairing_code_hash) == auth.token_digest(code))).scalars().first()
    if display is None:
        raise NotFound(N_('this pairing link is not valid (used already, replaced or revoked)'))
    token = auth.new_token('disp')
    display.token_hash, display.pairing_code_hash, display.revoked_at = auth.token_digest(token), None, None
    display.last_seen_at = utcnow()
    session.add(display)
    session.commit()
    events.publish(events.display_changed, display.id)  # type: ignore[arg-type]
    return token


def actor_for_token(session: Session, token: str | None) -> Actor | None:
    """The display behind a device token, or None when unknown or revoked."""
    if not token:
        return None
    display = select_rows(session, select(DisplayDevice).where(
        col(DisplayDevice.token_hash) == auth.token_digest(token))).scalars().first()
    return actor_for_display(session, display.id) if display is not None else None  # type: ignore[arg-type]


def touch(session: Session, display_id: int) -> None:
    """The display is on: note the time of contact (at most one write per half heartbeat)."""
    display = session.get(DisplayDevice, display_id)
    recent = display is not None and display.last_seen_at is not None and \
        utcnow() - display.last_seen_at < HEARTBEAT / 2
    if display is not None and not recent:
        display.last_seen_at = utcnow()
        session.add(display)
        session.commit()


def _get(session: Session, display_id: int) -> DisplayDevice:
    display = session.get(DisplayDevice, display_id)
    if display is None:
        raise NotFound(N_('display {id} not found'), id=display_id)
    return display
