"""Authorization in one place: who may see which machine and do what to which problem."""
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import cast

from sqlalchemy import ColumnElement, false, select, true
from sqlmodel import Session, col

from app.db import read_session, select_rows, session_scope
from app.errors import NotAuthenticated, NotFound, PermissionDenied
from app.i18n import N_
from app.models.enums import Role
from app.models.tables import CTPMachine, CTPProblemLog, DisplayDevice, DisplayMachine, User, UserMachine


@dataclass(frozen=True)
class Actor:
    """Who is asking: a person (user_id) or a wall display (display_id), read from the database per request."""

    user_id: int | None
    role: Role
    name: str
    display_id: int | None = None
    language: str | None = None  # the person's or display's own choice; None: the plant default

    @property
    def is_display(self) -> bool:
        return self.display_id is not None


class Action(StrEnum):
    READ = 'read'                    # see machines, problems, photos in scope
    REPORT = 'report'                # create a problem on a machine in scope
    EDIT_PROBLEM = 'edit_problem'    # edit the report itself: description, category, start, flags, cancel
    WORK_PROBLEM = 'work_problem'    # team work: take, hand over, photos, comments, vendor, complete, reopen
    DELETE_PROBLEM = 'delete_problem'
    READ_STATS = 'read_stats'        # statistics and exports
    ADMINISTER = 'administer'        # users, machines, taxonomy, calendar, displays, maintenance plans, alerts
    DO_MAINTENANCE = 'do_maintenance'  # start, record readings, complete and skip maintenance on machines in scope
    OWN_ALERTS = 'own_alerts'        # one's own alert subscriptions (issue 23)


# The matrix. Ownership rules for EDIT_PROBLEM are in may_edit_problem(); scope is in visible_machine_ids().
# WORK_PROBLEM has no ownership rule: anyone assigned to the machine works its problems (DOMAIN.md §4).
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.CTP_USER: frozenset({Action.READ, Action.REPORT, Action.EDIT_PROBLEM, Action.WORK_PROBLEM,
                              Action.READ_STATS, Action.DO_MAINTENANCE, Action.OWN_ALERTS}),
    Role.MANAGER: frozenset({Action.READ, Action.READ_STATS, Action.OWN_ALERTS}),
    Role.NONE: frozenset(),
}


def parse_role(value: str) -> Role:
    """Any unknown stored value means no access."""
    try:
        return Role(value)
    except ValueError:
        return Role.NONE


def actor_for_user(session: Session, user_id: int | None, *, session_since: datetime | None = None) -> Actor | None:
    """The active user as an Actor, or None (unknown or deactivated).

    For a cookie session pass `session_since`, when it last proved the password: a session from before the user's
    `sessions_valid_after` (deactivation, password change) is signed out, also after a reactivation. Checked on the
    row read anyway, so it costs no query. API tokens pass nothing: they stay valid until revoked.
    """
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or not user.is_active:
        return None
    ended = user.sessions_valid_after
    if session_since is not None and ended is not None and session_since < ended:
        return None
    return Actor(user_id=user.id, role=parse_role(user.role), name=user.name, language=user.language)


@dataclass(frozen=True)
class SignedIn:
    """A page's signed-in session: the user id and when the session last proved the password. Pages turn it into
    an Actor inside each save's own transaction (`acting_as`), so a save acts with the rights the user has then."""

    user_id: int
    since: datetime | None = None


def actor_signed_in(session: Session, who: SignedIn | None) -> Actor:
    """The session's user as they are now, as the API resolves a caller: 401 when the session has ended (signed
    out, deactivated, password reset), 403 without access to CTP Log. The action's own rules (role, machine
    scope, ownership) are checked by the service that runs it, with this actor."""
    actor = actor_for_user(session, who.user_id, session_since=who.since) if who is not None else None
    if actor is None:
        raise NotAuthenticated(N_('your session has ended: sign in again'))
    if not has_access(actor):
        raise PermissionDenied(N_('your account has no access to CTP Log'))
    return actor


@contextmanager
def acting_as(who: SignedIn | None, *, write: bool = True) -> Iterator[tuple[Session, Actor]]:
    """A session (a write, or a read with `write=False`) and the signed-in user's actor read inside it."""
    with (session_scope() if write else read_session()) as session:
        yield session, actor_signed_in(session, who)


def actor_for_display(session: Session, display_id: int) -> Actor | None:
    display = session.get(DisplayDevice, display_id)
    if display is None or display.revoked_at is not None:
        return None
    return Actor(user_id=None, role=Role.NONE, name=display.name, display_id=display.id, language=display.language)


def has_access(actor: Actor | None) -> bool:
    """May this actor use CTP Log at all (the design's access-level check)?"""
    return actor is not None and (actor.is_display or bool(ROLE_ACTIONS[actor.role]))


def require(actor: Actor | None, action: Action) -> Actor:
    """The actor, if it may perform the action at all; else 401 or 403."""
    if actor is None:
        raise NotAuthenticated(N_('sign in first'))
    if actor.is_display:
        if action == Action.READ:
            return actor
        raise PermissionDenied(N_('a display can only read its board'))
    if action not in ROLE_ACTIONS[actor.role]:
        raise PermissionDenied(N_('your role does not allow this'))
    return actor


def visible_machine_ids(session: Session, actor: Actor) -> set[int] | None:
    """Machines the actor may see: None means all (admins, managers, unscoped displays)."""
    if actor.is_display:
        display = session.get(DisplayDevice, actor.display_id)
        if display is None or display.all_machines:
            return None
        rows = select_rows(session, select(col(DisplayMachine.machine_id))
                           .where(col(DisplayMachine.display_id) == actor.display_id))
        return set(rows.scalars())
    if actor.role in (Role.ADMIN, Role.MANAGER):
        return None
    if actor.role == Role.CTP_USER:
        rows = select_rows(session, select(col(UserMachine.machine_id))
                           .where(col(UserMachine.user_id) == actor.user_id))
        return set(rows.scalars())
    return set()


def machine_scope(session: Session, actor: Actor, column: ColumnElement[int] | object) -> ColumnElement[bool]:
    """A WHERE clause restricting `column` (a machine id column) to the actor's scope."""
    ids = visible_machine_ids(session, actor)
    if ids is None:
        return true()
    if not ids:
        return false()
    return cast(ColumnElement[int], column).in_(ids)


def require_machine_visible(session: Session, actor: Actor, machine_id: int) -> CTPMachine:
    """The machine, if it exists and is in scope; otherwise 404, so existence does not leak."""
    require(actor, Action.READ)
    machine = session.get(CTPMachine, machine_id)
    ids = visible_machine_ids(session, actor)
    if machine is None or (ids is not None and machine_id not in ids):
        raise NotFound(N_('machine {id} not found'), id=machine_id)
    return machine


def require_log_visible(session: Session, actor: Actor, log_id: int) -> CTPProblemLog:
    """The problem, if it exists, is not deleted and its machine is in scope; otherwise 404."""
    require(actor, Action.READ)
    log = session.get(CTPProblemLog, log_id)
    if log is None or log.deleted_at is not None:
        raise NotFound(N_('problem log {id} not found'), id=log_id)
    ids = visible_machine_ids(session, actor)
    if ids is not None and log.machine_id not in ids:
        raise NotFound(N_('problem log {id} not found'), id=log_id)
    return log


def may_edit_problem(actor: Actor, log: CTPProblemLog) -> bool:
    """Admins change any problem; CTP users change their own, and those no person reported (a machine's own stop
    report, JMF): those belong to the team working the machine (on machines in scope, checked by the loader)."""
    if actor.is_display or Action.EDIT_PROBLEM not in ROLE_ACTIONS[actor.role]:
        return False
    if log.created_by is None:
        return Action.WORK_PROBLEM in ROLE_ACTIONS[actor.role]
    return actor.role == Role.ADMIN or log.created_by == actor.user_id


def may_explain_stops(actor: Actor) -> bool:
    """Who is asked "why?" when a machine stops by itself (JMF, issue 21): those who edit and work its problems."""
    return not actor.is_display and {Action.EDIT_PROBLEM, Action.WORK_PROBLEM} <= ROLE_ACTIONS[actor.role]


def require_log_editable(session: Session, actor: Actor, log_id: int) -> CTPProblemLog:
    log = require_log_visible(session, actor, log_id)
    require(actor, Action.EDIT_PROBLEM)
    if not may_edit_problem(actor, log):
        raise PermissionDenied(N_('you can only change problems you reported'))
    return log


def require_log_workable(session: Session, actor: Actor, log_id: int) -> CTPProblemLog:
    """The problem, if the actor may work it (team work, DOMAIN.md §4): 404 outside the scope, 403 by role."""
    log = require_log_visible(session, actor, log_id)
    require_ability(actor, log, Ability.COMMENT)
    return log


class Ability(StrEnum):
    """What a person can do on one problem; the page shows a button per ability, the services check the same."""

    TAKE = 'take'
    HAND_OVER = 'hand_over'
    COMMENT = 'comment'
    ADD_PHOTOS = 'add_photos'
    VENDOR = 'vendor'
    COMPLETE = 'complete'
    REOPEN = 'reopen'
    EDIT = 'edit'
    CANCEL = 'cancel'
    UNDO = 'undo'
    DELETE = 'delete'


REPORT_ABILITIES = frozenset({Ability.EDIT, Ability.CANCEL})  # the report itself: reporter or admin
UNDO_WINDOW = timedelta(minutes=2)
_OPEN = ('open', 'in_progress')
_APPLIES = {Ability.TAKE: ('open',), Ability.HAND_OVER: ('in_progress',), Ability.VENDOR: _OPEN,
            Ability.COMPLETE: _OPEN, Ability.REOPEN: ('completed',), Ability.CANCEL: _OPEN, Ability.UNDO: _OPEN,
            Ability.ADD_PHOTOS: (*_OPEN, 'completed')}
_ONLY_REPORTER = {Ability.EDIT: N_('only the reporter or an admin can edit the report'),
                  Ability.CANCEL: N_('only the reporter or an admin can cancel this problem')}  # untranslated


def ability_reason(actor: Actor, log: CTPProblemLog, ability: Ability) -> str | None:
    """Why the actor may not do this on the problem (by rights, not by state), or None when they may."""
    if actor.is_display or not ({Action.WORK_PROBLEM, Action.EDIT_PROBLEM} & ROLE_ACTIONS[actor.role]):
        return N_('your role can read problems but not change them')
    if ability == Ability.DELETE:
        return None if actor.role == Role.ADMIN else N_('only an admin can delete a problem')
    if ability == Ability.UNDO:
        return None if log.created_by == actor.user_id else N_('only the reporter can undo a report')
    if ability in REPORT_ABILITIES:
        return None if may_edit_problem(actor, log) else _ONLY_REPORTER[ability]
    return None if Action.WORK_PROBLEM in ROLE_ACTIONS[actor.role] else N_('your role cannot work on problems')


def _applies(log: CTPProblemLog, ability: Ability, now: datetime) -> bool:
    if ability == Ability.UNDO and now - log.created_at > UNDO_WINDOW:
        return False
    states = _APPLIES.get(ability)
    return states is None or log.status in states


def problem_abilities(actor: Actor, log: CTPProblemLog, *, now: datetime) -> dict[Ability, str | None]:
    """What the actor can do on the problem now: ability → None (allowed) or the reason why not.

    Abilities that do not fit the problem's state (reopen an open problem) are left out, and so are the ones this
    person never has a use for (undo someone else's report, delete without being an admin): pages hide those and
    show the others, disabled with the reason when it is not None."""
    result = {ability: ability_reason(actor, log, ability) for ability in Ability if _applies(log, ability, now)}
    for hidden in (Ability.UNDO, Ability.DELETE):
        if result.get(hidden):
            del result[hidden]
    if actor.is_display or actor.role not in (Role.ADMIN, Role.CTP_USER):
        return {}
    return result


def require_ability(actor: Actor, log: CTPProblemLog, ability: Ability) -> None:
    """403 with the reason when the actor may not do this on the problem."""
    reason = ability_reason(actor, log, ability)
    if reason is not None:
        raise PermissionDenied(reason)
