"""/api/ctp-notifications: the caller's notifications, read one, read all."""
from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import CurrentActor, CurrentCaller
from app.api.routes import PathId, in_session, read_as
from app.models.schemas import NotificationPage, NotificationPublic
from app.services import notifications

router = APIRouter(prefix='/api/ctp-notifications', tags=['notifications'])


@router.get('', response_model=NotificationPage)
async def read_notifications(caller: CurrentCaller, all: bool = False,  # noqa: A002 - the design's parameter name
                             limit: Annotated[int, Query(ge=1, le=200)] = 50,
                             offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> NotificationPage:
    """The caller's unread notifications (`?all=true` for all), newest first."""
    return await read_as(caller, lambda s, actor: notifications.list_notifications(
        s, actor=actor, include_read=all, limit=limit, offset=offset))


@router.put('/read-all', response_model=dict[str, int])
async def mark_all_notifications_read(actor: CurrentActor) -> dict[str, int]:
    """Mark all of the caller's notifications read."""
    return {'marked': await in_session(lambda s: notifications.mark_all_read(s, actor=actor))}


@router.put('/{notification_id}/read', response_model=NotificationPublic)
async def mark_notification_read(notification_id: PathId, actor: CurrentActor) -> NotificationPublic:
    """Mark one of the caller's notifications read."""
    return await in_session(lambda s: notifications.mark_read(s, actor=actor, notification_id=notification_id))
