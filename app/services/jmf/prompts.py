"""The tablet's "why?": unexplained machine stops with one-tap reasons, pre-chosen from the machine's details.

A technician's screen asks "Magnus stopped at 10:42: why?" for every stop of a machine in scope that still waits
for a reason (open or already ended); the reason the details point to (PaperJam -> plate loading / plate jam)
comes first and pre-chosen, then its sibling symptoms, else the machine's most frequent categories. The same list,
read-only or answerable, is the shift lead's list of stops waiting for a reason.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.db import pk, select_rows
from app.models import Category, CTPProblemLog, DeviceLink, utcnow
from app.services import taxonomy
from app.services.access import Actor, may_explain_stops
from app.services.jmf import stops

MAX_CHOICES = 4
HISTORY = timedelta(days=90)


@dataclass(frozen=True)
class Choice:
    category_id: int
    label: str
    suggested: bool


@dataclass(frozen=True)
class Prompt:
    stop_id: int
    machine_id: int
    machine_name: str
    log_id: int | None
    started_at: datetime
    ended_at: datetime | None
    details: str
    choices: list[Choice]
    may_answer: bool


def reporting_machine_ids(session: Session) -> set[int]:
    """Machines with a live device link: only their changes can open or answer a machine's own stop."""
    query = select(col(DeviceLink.machine_id)).where(col(DeviceLink.revoked_at).is_(None))
    return set(select_rows(session, query).scalars())


def stop_prompts(session: Session, *, actor: Actor, limit: int = 50) -> list[Prompt]:
    """Unexplained stops in the actor's scope, newest first, each with its one-tap reasons."""
    waiting = stops.list_stops(session, actor=actor, unexplained_only=True, limit=limit)
    answer = may_explain_stops(actor)
    names = taxonomy.labels(session) if waiting else {}
    return [Prompt(stop_id=info.id, machine_id=info.machine_id, machine_name=info.machine_name, log_id=info.log_id,
                   started_at=info.started_at, ended_at=info.ended_at,
                   details=' '.join(w for w in (info.device_status, info.status_details) if w),
                   choices=_choices(session, info, names), may_answer=answer) for info in waiting]


def _choices(session: Session, info: stops.StopInfo, names: dict[int, taxonomy.CategoryInfo]) -> list[Choice]:
    suggested = info.suggested_category_id
    ids = [suggested, *_siblings(session, suggested)] if suggested else _frequent(session, info.machine_id)
    return [Choice(category_id=i, label=names[i].label, suggested=i == suggested)
            for i in ids[:MAX_CHOICES] if i in names and names[i].active]


def _siblings(session: Session, category_id: int) -> list[int]:
    leaf = session.get(Category, category_id)
    if leaf is None or leaf.parent_id is None:
        return []
    query = (select(pk(Category.id)).where(col(Category.parent_id) == leaf.parent_id, col(Category.id) != leaf.id,
                                            col(Category.name) != taxonomy.OTHER, col(Category.active))
             .order_by(col(Category.sort)))
    return list(select_rows(session, query).scalars())


def _frequent(session: Session, machine_id: int) -> list[int]:
    """The machine's most used categories of the last 90 days."""
    count = func.count().label('n')
    query = (select(col(CTPProblemLog.category_id), count)
             .where(col(CTPProblemLog.machine_id) == machine_id, col(CTPProblemLog.category_id).is_not(None),
                    col(CTPProblemLog.deleted_at).is_(None), col(CTPProblemLog.start_time) >= utcnow() - HISTORY)
             .group_by(col(CTPProblemLog.category_id)).order_by(count.desc(), col(CTPProblemLog.category_id))
             .limit(MAX_CHOICES))
    return [int(row[0]) for row in select_rows(session, query) if row[0] is not None]
