"""Users: create, edit, deactivate, passwords, machine assignments, and the configured admin."""
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from app import auth, events
from app.config import LANGUAGES
from app.db import rolls_back, select_rows
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.i18n import N_
from app.models import CTPMachine, Division, Role, User, UserMachine, utcnow
from app.models.schemas import UserPublic
from app.services import throttle
from app.services.access import Action, Actor, require


def to_public(session: Session, user: User) -> UserPublic:
    ids = sorted(select_rows(session, select(col(UserMachine.machine_id)).where(col(UserMachine.user_id) == user.id))
                 .scalars())
    return UserPublic(id=user.id, username=user.username, name=user.name, role=user.role,
                      division_id=user.division_id, is_active=user.is_active, machine_ids=ids,
                      language=user.language)


def list_users(session: Session, *, actor: Actor) -> list[UserPublic]:
    require(actor, Action.ADMINISTER)
    return [to_public(session, u) for u in select_rows(session, select(User).order_by(col(User.username))).scalars()]


def get_user_or_raise(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_('user {id} not found'), id=user_id)
    return user


@rolls_back
def create_user(session: Session, *, actor: Actor | None, username: str, name: str, role: Role, password: str,
                division_id: int | None = None, is_active: bool = True, machine_ids: list[int] | None = None) -> User:
    """Admin (or the bootstrap when actor is None): add a user with an Argon2id password hash, assigned to
    `machine_ids` in the same transaction (all of them or no user at all)."""
    if actor is not None:
        require(actor, Action.ADMINISTER)
    username = username.strip().lower()
    if select_rows(session, select(col(User.id)).where(func.lower(col(User.username)) == username)).first():
        raise Conflict(N_("user name '{name}' is taken"), name=username)
    _check_division(session, division_id)
    wanted = _known_machines(session, machine_ids or [])
    user = User(username=username, name=name.strip() or username, role=role, division_id=division_id,
                password_hash=auth.hash_password(password), is_active=is_active)
    session.add(user)
    session.flush()
    session.add_all(UserMachine(user_id=user.id, machine_id=machine_id) for machine_id in wanted)  # type: ignore[arg-type]
    session.commit()
    return user


def _known_machines(session: Session, machine_ids: list[int]) -> list[int]:
    """The ids, sorted and without repeats; 400 naming any that is not a machine."""
    wanted = set(machine_ids)
    known = set(select_rows(session, select(col(CTPMachine.id)).where(col(CTPMachine.id).in_(wanted)))
                .scalars()) if wanted else set()
    if unknown := wanted - known:
        raise InvalidInput(N_('unknown machines: {ids}'), field='machine_ids', ids=sorted(unknown))
    return sorted(wanted)


@rolls_back
def update_user(session: Session, *, actor: Actor, user_id: int, changes: dict[str, object],
                announce: bool = True) -> User:
    """Admin: name, role, division, password, active; the last active admin cannot be removed.

    Deactivating the user or setting their password signs all their sessions out (`sessions_valid_after`), also
    those without an open page: a reactivated account needs a new sign-in. With `announce=False` the caller
    publishes `events.access_changed` itself: an admin changing their own account on a page first keeps that
    page's session (as `change_own_password` does), so only their other sessions end."""
    require(actor, Action.ADMINISTER)
    user = get_user_or_raise(session, user_id)
    if changes.get('username') and str(changes['username']).strip().lower() != user.username:
        username = str(changes['username']).strip().lower()
        if select_rows(session, select(col(User.id)).where(func.lower(col(User.username)) == username)).first():
            raise Conflict(N_("user name '{name}' is taken"), name=username)
        user.username = username
    if 'division_id' in changes:
        _check_division(session, changes['division_id'])
        user.division_id = changes['division_id']  # type: ignore[assignment]
    for name in ('name', 'role', 'is_active'):
        if name in changes and changes[name] is not None:
            setattr(user, name, changes[name])
    if changes.get('password'):
        user.password_hash = auth.hash_password(str(changes['password']))
    _keep_an_admin(session, user)
    user.updated_at = utcnow()
    if changes.get('password') or changes.get('is_active') is False:
        user.sessions_valid_after = user.updated_at
    session.add(user)
    session.commit()
    if announce:
        events.publish(events.access_changed, user_id)
    return user


@rolls_back
def change_own_password(session: Session, *, actor: Actor, current: str, new: str, address: str) -> datetime:
    """Anyone signed in: replace their own password after proving the current one; their other sessions end.

    Returns the moment sessions must have proved the password since: the caller gives it to its own session (so
    that one stays signed in) and then publishes `events.access_changed`, which closes the other sessions' pages."""
    user = get_user_or_raise(session, actor.user_id or 0)
    throttle.prove_password(session, username=user.username, password=current, address=address)
    user.password_hash = auth.hash_password(new)
    now = utcnow()
    user.updated_at = user.sessions_valid_after = now
    session.add(user)
    session.commit()
    return now


@rolls_back
def set_own_language(session: Session, *, actor: Actor, language: str | None) -> User:
    """Anyone signed in: the language of their own screens (None: the plant default); from their next page load."""
    if actor.user_id is None:
        raise PermissionDenied(N_('only a person chooses their own language'))
    user = get_user_or_raise(session, actor.user_id)
    user.language = check_language(language)
    user.updated_at = utcnow()
    session.add(user)
    session.commit()
    return user


def check_language(language: str | None) -> str | None:
    """A language the app speaks, or None for the plant default; anything else is refused."""
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(N_('language must be one of {choices} or null'), field='language',
                           choices=', '.join(LANGUAGES))
    return language


def _keep_an_admin(session: Session, changed: User) -> None:
    session.flush()
    admins = select_rows(session, select(func.count()).select_from(User).where(col(User.role) == Role.ADMIN,
                                                                               col(User.is_active))).one()
    if admins[0] == 0:
        session.rollback()
        raise Conflict(N_('this would leave no active admin; make someone else admin first'))


def _check_division(session: Session, division_id: object) -> None:
    if division_id is not None and session.get(Division, division_id) is None:
        raise InvalidInput(N_('unknown division {id}'), field='division_id', id=division_id)


@rolls_back
def set_assignments(session: Session, *, actor: Actor, user_id: int, machine_ids: list[int],
                    announce: bool = True) -> list[int]:
    """Admin: the machines a CTP user is assigned to (replaces the previous set); `announce` as in update_user."""
    require(actor, Action.ADMINISTER)
    get_user_or_raise(session, user_id)
    wanted = _known_machines(session, machine_ids)
    session.execute(delete(UserMachine).where(col(UserMachine.user_id) == user_id))
    for machine_id in wanted:
        session.add(UserMachine(user_id=user_id, machine_id=machine_id))
    session.commit()
    if announce:
        events.publish(events.access_changed, user_id)
    return wanted


def ensure_admin(session: Session, *, username: str, password: str | None) -> User | None:
    """Make sure the configured admin exists and is an active admin; set its password from the setting."""
    username = username.strip().lower()
    user = select_rows(session, select(User).where(func.lower(col(User.username)) == username)).scalars().first()
    if user is None:
        if password is None:
            return None
        return create_user(session, actor=None, username=username, name='Administrator', role=Role.ADMIN,
                           password=password)
    user.role, user.is_active = Role.ADMIN, True
    if password is not None and not auth.verify_password(user.password_hash, password):
        user.password_hash = auth.hash_password(password)
        user.sessions_valid_after = utcnow()  # a new configured password ends the sessions signed in with the old
    session.add(user)
    session.commit()
    return user


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    """The active user with these credentials, or None; the hash is upgraded when its parameters are old."""
    user = select_rows(session, select(User).where(func.lower(col(User.username)) == username.strip()
                                                   .lower())).scalars().first()
    ok = auth.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        return None
    if auth.needs_rehash(user.password_hash):
        user.password_hash = auth.hash_password(password)
        session.add(user)
        session.commit()
    return user


def find_by_username(session: Session, username: str) -> User | None:
    return select_rows(session, select(User)
                       .where(func.lower(col(User.username)) == username.lower())).scalars().first()


def list_users_unchecked(session: Session) -> list[User]:
    """Every user, without an authorization check: for bootstrap and demo code only."""
    return list(select_rows(session, select(User).order_by(col(User.id))).scalars())
