"""/api/ctp-notifications: the caller's notifications, read one, read all."""
from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session

from app import i18n
from app.api.deps import CurrentActor, CurrentCaller
from app.api.routes import PathId, in_session, read_as
from app.models.schemas import NotificationPage, NotificationPublic
from app.services import notifications
from app.services.access import Actor

router = APIRouter(prefix='/api/ctp-notifications', tags=['notifications'])


@router.get('', response_model=NotificationPage)
async def read_notifications(caller: CurrentCaller, all: bool = False,  # noqa: A002 - the design's parameter name
                             limit: Annotated[int, Query(ge=1, le=200)] = 50,
                             offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> NotificationPage:
    """The caller's unread notifications (`?all=true` for all), newest first."""
    def read(session: Session, actor: Actor) -> NotificationPage:
        with i18n.language(i18n.resolve(actor.language)):  # each text in the caller's language
            return notifications.list_notifications(session, actor=actor, include_read=all, limit=limit, offset=offset)
    return await read_as(caller, read)


@router.put('/read-all', response_model=dict[str, int])
async def mark_all_notifications_read(actor: CurrentActor) -> dict[str, int]:
    """Mark all of the caller's notifications read."""
    return {'marked': await in_session(lambda s: notifications.mark_all_read(s, actor=actor))}


@router.put('/{notification_id}/read', response_model=NotificationPublic)
async def mark_notification_read(notification_id: PathId, actor: CurrentActor) -> NotificationPublic:
    """Mark one of the caller's notifications read."""
    def mark(session: Session) -> NotificationPublic:
        with i18n.language(i18n.resolve(actor.language)):
            return notifications.mark_read(session, actor=actor, notification_id=notification_id)
    return await in_session(mark)
