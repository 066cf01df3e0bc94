"""The append-only audit trail of problems: who, when, what, old -> new."""
from datetime import date, datetime
from enum import Enum

from sqlmodel import Session

from app.models import AuditAction, ProblemAudit, utcnow


def as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def record(session: Session, *, log_id: int, actor_id: int | None, action: AuditAction,
           field: str | None = None, old: object = None, new: object = None) -> None:
    session.add(ProblemAudit(log_id=log_id, actor_id=actor_id, at=utcnow(), action=action, field=field,
                             old=as_text(old), new=as_text(new)))
