"""/api/alert-*: outbound alerts (issue 23). Channels, roster, escalation rules, the outbox and its dead letters:
admins. Subscriptions: each person their own."""
from typing import Literal

from fastapi import APIRouter, Depends, Query, Response

from app.api.deps import CurrentActor
from app.api.routes import PathId, in_read_session, in_session, json_body
from app.services import alert_settings as settings
from app.services.alert_settings import (
    ChannelIn,
    ChannelPublic,
    OutboxPage,
    Roster,
    RuleIn,
    RulePublic,
    SubscriptionIn,
    SubscriptionPublic,
)

router = APIRouter(tags=['alerts'])
JSON = [Depends(json_body)]


@router.get('/api/alert-channels', response_model=list[ChannelPublic])
async def read_channels(actor: CurrentActor) -> list[ChannelPublic]:
    """Admins: every channel (secrets never shown). Others: the channels they may subscribe to."""
    return await in_read_session(lambda s: settings.list_channels(s, actor=actor))


@router.post('/api/alert-channels', response_model=ChannelPublic, status_code=201, dependencies=JSON)
async def create_channel(body: ChannelIn, actor: CurrentActor) -> ChannelPublic:
    """Admin: a webhook, Teams or Slack URL (on CTP_ALERT_ALLOWED_HOSTS), or a shared mailbox."""
    return await in_session(lambda s: settings.save_channel(s, actor=actor, body=body))


@router.put('/api/alert-channels/{channel_id}', response_model=ChannelPublic, dependencies=JSON)
async def update_channel(channel_id: PathId, body: ChannelIn, actor: CurrentActor) -> ChannelPublic:
    """Admin: change a channel; a secret left out keeps the stored one."""
    return await in_session(lambda s: settings.save_channel(s, actor=actor, body=body, channel_id=channel_id))


@router.delete('/api/alert-channels/{channel_id}', status_code=204)
async def delete_channel(channel_id: PathId, actor: CurrentActor) -> Response:
    await in_session(lambda s: settings.delete_channel(s, actor=actor, channel_id=channel_id))
    return Response(status_code=204)


@router.get('/api/alert-subscriptions', response_model=list[SubscriptionPublic])
async def read_subscriptions(actor: CurrentActor) -> list[SubscriptionPublic]:
    """The caller's own alert subscriptions."""
    return await in_read_session(lambda s: settings.list_subscriptions(s, actor=actor))


@router.post('/api/alert-subscriptions', response_model=SubscriptionPublic, status_code=201, dependencies=JSON)
async def create_subscription(body: SubscriptionIn, actor: CurrentActor) -> SubscriptionPublic:
    return await in_session(lambda s: settings.save_subscription(s, actor=actor, body=body))


@router.put('/api/alert-subscriptions/{subscription_id}', response_model=SubscriptionPublic, dependencies=JSON)
async def update_subscription(subscription_id: PathId, body: SubscriptionIn,
                              actor: CurrentActor) -> SubscriptionPublic:
    return await in_session(lambda s: settings.save_subscription(s, actor=actor, body=body,
                                                                 subscription_id=subscription_id))


@router.delete('/api/alert-subscriptions/{subscription_id}', status_code=204)
async def delete_subscription(subscription_id: PathId, actor: CurrentActor) -> Response:
    await in_session(lambda s: settings.delete_subscription(s, actor=actor, subscription_id=subscription_id))
    return Response(status_code=204)


@router.get('/api/alert-roster', response_model=Roster)
async def read_roster(actor: CurrentActor) -> Roster:
    """Admin: who leads which shift (weekday 0 = Monday, plant-local minutes)."""
    return await in_read_session(lambda s: Roster(shifts=settings.read_roster(s, actor=actor)))


@router.put('/api/alert-roster', response_model=Roster, dependencies=JSON)
async def replace_roster(body: Roster, actor: CurrentActor) -> Roster:
    """Admin: replace the whole roster."""
    return await in_session(lambda s: Roster(shifts=settings.replace_roster(s, actor=actor, shifts=body.shifts)))


@router.get('/api/escalation-rules', response_model=list[RulePublic])
async def read_rules(actor: CurrentActor) -> list[RulePublic]:
    return await in_read_session(lambda s: settings.list_rules(s, actor=actor))


@router.post('/api/escalation-rules', response_model=RulePublic, status_code=201, dependencies=JSON)
async def create_rule(body: RuleIn, actor: CurrentActor) -> RulePublic:
    return await in_session(lambda s: settings.save_rule(s, actor=actor, body=body))


@router.put('/api/escalation-rules/{rule_id}', response_model=RulePublic, dependencies=JSON)
async def update_rule(rule_id: PathId, body: RuleIn, actor: CurrentActor) -> RulePublic:
    return await in_session(lambda s: settings.save_rule(s, actor=actor, body=body, rule_id=rule_id))


@router.delete('/api/escalation-rules/{rule_id}', status_code=204)
async def delete_rule(rule_id: PathId, actor: CurrentActor) -> Response:
    await in_session(lambda s: settings.delete_rule(s, actor=actor, rule_id=rule_id))
    return Response(status_code=204)


@router.get('/api/alert-outbox', response_model=OutboxPage)
async def read_outbox(actor: CurrentActor, status: Literal['pending', 'sending', 'sent', 'dead'] | None = None,
                      limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=1_000_000)) -> OutboxPage:
    """Admin: the outbox, newest first; `status=dead` lists the dead letters."""
    return await in_read_session(lambda s: settings.list_outbox(s, actor=actor, status=status, limit=limit,
                                                                offset=offset))


@router.post('/api/alert-outbox/{outbox_id}/retry', status_code=204)
async def retry_alert(outbox_id: PathId, actor: CurrentActor) -> Response:
    """Admin: send a dead alert again now (attempts start from zero)."""
    await in_session(lambda s: settings.retry(s, actor=actor, outbox_id=outbox_id))
    return Response(status_code=204)
