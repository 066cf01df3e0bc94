"""The team's thread on a problem (DOMAIN.md §4): anyone who may work the problem comments; everyone in scope reads."""
from sqlalchemy import select
from sqlmodel import Session, col

from app import events
from app.db import rolls_back, select_rows
from app.models import AuditAction, ProblemComment, User, utcnow
from app.models.schemas import CommentCreate, CommentPublic
from app.services import audit
from app.services.access import Actor, require_log_visible, require_log_workable

AUDIT_PREVIEW = 80  # the audit entry keeps the comment's start; the thread keeps all of it


def list_comments(session: Session, *, actor: Actor, log_id: int) -> list[CommentPublic]:
    """The problem's comments, oldest first (404 outside the actor's scope)."""
    require_log_visible(session, actor, log_id)
    rows = select_rows(session, select(ProblemComment, col(User.name))
                       .outerjoin(User, col(User.id) == col(ProblemComment.author_id))
                        .where(col(ProblemComment.log_id) == log_id)
                        .order_by(col(ProblemComment.created_at), col(ProblemComment.id))).all()
    return [_public(row, name) for row, name in rows]


@rolls_back
def add_comment(session: Session, *, actor: Actor, log_id: int, comment_in: CommentCreate) -> CommentPublic:
    """Add a comment to a problem the actor may work on; it is in the audit trail with who wrote it."""
    require_log_workable(session, actor, log_id)
    row = ProblemComment(log_id=log_id, author_id=actor.user_id, created_at=utcnow(), body=comment_in.body)
    session.add(row)
    text = comment_in.body if len(comment_in.body) <= AUDIT_PREVIEW else comment_in.body[:AUDIT_PREVIEW] + '…'
    audit.record(session, log_id=log_id, actor_id=actor.user_id, action=AuditAction.COMMENT, field='comment',
                 new=text)
    session.commit()
    events.publish(events.problem_log_changed, log_id)
    return _public(row, actor.name)


def _public(row: ProblemComment, author_name: str | None) -> CommentPublic:
    return CommentPublic(id=row.id, log_id=row.log_id, author_id=row.author_id,
                         author_name=author_name, created_at=row.created_at, body=row.body)
