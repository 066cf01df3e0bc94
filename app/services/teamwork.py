"""Team work on a problem (DOMAIN.md §4): which rights an edit needs, and handing a problem to a colleague."""
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from app.errors import Conflict, InvalidInput
from app.i18n import N_
from app.models import AuditAction, CTPMachine, CTPProblemLog, NotificationType, ProblemStatus, User, utcnow
from app.models.schemas import CommentPublic, ProblemLogUpdate
from app.services import audit, comments, notifications
from app.services.access import (
    UNDO_WINDOW,
    Ability,
    Actor,
    ability_reason,
    actor_for_user,
    problem_abilities,
    require_ability,
    require_log_visible,
    visible_machine_ids,
)

REPORT_FIELDS = frozenset({'problem_description', 'category_id', 'is_stopping', 'is_planned', 'start_time'})
NOT_FIELDS = frozenset({'version', 'status', 'reason', 'never_ran', 'owner_id'})
_STEP = {ProblemStatus.IN_PROGRESS: Ability.TAKE, ProblemStatus.COMPLETED: Ability.COMPLETE,
         ProblemStatus.CANCELLED: Ability.CANCEL}


def needed_abilities(log: CTPProblemLog, changes: ProblemLogUpdate) -> set[Ability]:
    """The abilities an edit needs: the report's own fields and cancelling are the reporter's (or an admin's);
    taking, handing over, completing, reopening and the work fields are the team's."""
    given = set(changes.model_dump(exclude_unset=True)) - NOT_FIELDS
    needs = {Ability.EDIT} if given & REPORT_FIELDS else set()
    if given - REPORT_FIELDS:
        needs.add(Ability.COMPLETE)
    if changes.status is not None and changes.status != log.status:
        reopen = changes.status == ProblemStatus.IN_PROGRESS and log.status == ProblemStatus.COMPLETED
        needs.add(Ability.REOPEN if reopen else _STEP.get(changes.status, Ability.COMPLETE))
    if changes.owner_id is not None:
        needs.add(Ability.HAND_OVER)
    return needs


def check_rights(actor: Actor, log: CTPProblemLog, changes: ProblemLogUpdate) -> None:
    """403 with the reason when the edit needs a right the actor lacks (the report's before the team's)."""
    for ability in sorted(needed_abilities(log, changes), key=lambda a: a != Ability.EDIT):
        require_ability(actor, log, ability)


def hand_over(session: Session, actor: Actor, log: CTPProblemLog, owner_id: int) -> set[int]:
    """Make a colleague assigned to the machine the problem's owner; returns who to tell (the new owner)."""
    if log.status != ProblemStatus.IN_PROGRESS:
        raise Conflict(N_('only a problem someone has taken can be handed over: take it first'))
    if owner_id == log.acknowledged_by:
        return set()
    colleague = actor_for_user(session, owner_id)
    scope = visible_machine_ids(session, colleague) if colleague is not None else set()
    if colleague is None or ability_reason(colleague, log, Ability.TAKE) or (scope is not None and
                                                                           log.machine_id not in scope):
        raise InvalidInput(N_('hand it to a colleague who is assigned to this machine'), field='owner_id')
    previous = session.get(User, log.acknowledged_by) if log.acknowledged_by else None
    log.acknowledged_by = owner_id
    audit.record(session, log_id=log.id, actor_id=actor.user_id, action=AuditAction.HAND_OVER,  # type: ignore[arg-type]
                 field='owner', old=previous.name if previous else None, new=colleague.name)
    machine = session.get(CTPMachine, log.machine_id)
    told = {owner_id} - {actor.user_id}
    return notifications.notify(session, user_ids=told, machine_id=log.machine_id, log_id=log.id,
                                kind=NotificationType.PROBLEM_ACKNOWLEDGED,
                                message=notifications.stored(N_('{machine}: {name} handed you problem #{number}'),
                                                             machine=machine.name if machine else '?',
                                                             name=actor.name, number=log.id))


def colleagues(session: Session, log: CTPProblemLog) -> list[tuple[int, str]]:
    """(id, name) of the active people who may take this problem: admins and CTP users assigned to the machine."""
    people = []
    for user_id in sorted(notifications.recipients_in_scope(session, log.machine_id)):
        colleague = actor_for_user(session, user_id)
        if colleague is not None and ability_reason(colleague, log, Ability.TAKE) is None:
            people.append((user_id, colleague.name))
    return sorted(people, key=lambda person: person[1].lower())


@dataclass(frozen=True)
class WorkView:
    """What the problem page needs beyond the problem: what this user may do (and why not), whom they could hand
    the problem to, and the team's comments."""

    abilities: dict[Ability, str | None]
    colleagues: list[tuple[int, str]]
    comments: list[CommentPublic]
    undo_until: datetime | None
    owner_name: str | None  # who has the problem (took it or was handed it)


def work_view(session: Session, *, actor: Actor, log_id: int) -> WorkView:
    """The actions, colleagues and comments of a problem in the actor's scope (404 outside it)."""
    log = require_log_visible(session, actor, log_id)
    abilities = problem_abilities(actor, log, now=utcnow())
    people = colleagues(session, log) if Ability.HAND_OVER in abilities else []
    until = log.created_at + UNDO_WINDOW if Ability.UNDO in abilities else None
    owner = session.get(User, log.acknowledged_by) if log.acknowledged_by else None
    return WorkView(abilities=abilities, colleagues=people, undo_until=until, owner_name=owner.name if owner else None,
                    comments=comments.list_comments(session, actor=actor, log_id=log_id))
