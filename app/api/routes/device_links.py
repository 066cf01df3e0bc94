"""Admin: device links of machines that report over JMF/XJMF (the secret is shown once, on creation)."""
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.api.deps import CurrentActor
from app.api.routes import PathId, in_read_session, in_session, json_body
from app.config import get_settings
from app.models.schemas import Id, StrictModel
from app.services import labels
from app.services.jmf import links, subscriber

router = APIRouter(tags=['device links'])


class DeviceLinkIn(StrictModel):
    machine_id: Id
    sender_id: str = Field(min_length=1, max_length=120, description='JMF @SenderID / XJMF Header@DeviceID')
    device_id: str = Field(default='', max_length=120, description="DeviceInfo's DeviceID; '' takes every device")
    allowed_addresses: list[str] = Field(default_factory=list, max_length=links.MAX_ADDRESSES,
                                         description='IP addresses or networks; empty allows any')


class DeviceLinkCreated(BaseModel):
    link: links.LinkInfo
    secret: str = Field(description='shown once: the URL token, or the HTTP Basic password (user = sender_id)')
    url_path: str = Field(description='where the device posts its JMF/XJMF signals')


@router.get('/api/device-links', response_model=list[links.LinkInfo])
async def read_device_links(actor: CurrentActor) -> list[links.LinkInfo]:
    """Admin: every device link with its health (last signal, last error)."""
    return await in_read_session(lambda s: links.list_links(s, actor=actor))


@router.post('/api/device-links', response_model=DeviceLinkCreated, status_code=201,
             dependencies=[Depends(json_body)])
async def create_device_link(body: DeviceLinkIn, actor: CurrentActor) -> DeviceLinkCreated:
    """Admin: link a JMF sender to a machine; the secret is in this answer only."""
    info, secret = await in_session(lambda s: links.create_link(
        s, actor=actor, machine_id=body.machine_id, sender_id=body.sender_id, device_id=body.device_id,
        allowed_addresses=body.allowed_addresses))
    return DeviceLinkCreated(link=info, secret=secret, url_path=f'/api/jmf/{secret}')


@router.delete('/api/device-links/{link_id}', status_code=204)
async def revoke_device_link(link_id: PathId, actor: CurrentActor) -> Response:
    """Admin: revoke a link; its secret stops working at once."""
    await in_session(lambda s: links.revoke_link(s, actor=actor, link_id=link_id))
    return Response(status_code=204)


@router.post('/api/device-links/{link_id}/secret', response_model=DeviceLinkCreated)
async def rotate_device_link_secret(link_id: PathId, actor: CurrentActor) -> DeviceLinkCreated:
    """Admin: a new secret for the link (the old one stops working at once); the secret is in this answer only."""
    info, secret = await in_session(lambda s: links.rotate_link(s, actor=actor, link_id=link_id))
    return DeviceLinkCreated(link=info, secret=secret, url_path=f'/api/jmf/{secret}')


class SubscriptionIn(StrictModel):
    machine_id: Id
    url: str = Field(min_length=8, max_length=500, description="the device's or workflow server's JMF URL; its host "
                                                               'must be on CTP_JMF_SUBSCRIBE_ALLOWED_HOSTS')
    sender_id: str = Field(min_length=1, max_length=120, description='the JMF @SenderID its signals will carry')
    device_id: str = Field(default='', max_length=120, description="DeviceInfo's DeviceID; '' takes every device")


@router.get('/api/jmf-subscriptions', response_model=list[subscriber.SubscriptionInfo])
async def read_jmf_subscriptions(actor: CurrentActor) -> list[subscriber.SubscriptionInfo]:
    """Admin: CTP Log's subscriptions to devices, with their health (last answer, last signal, last error)."""
    return await in_read_session(lambda s: subscriber.list_subscriptions(s, actor=actor))


@router.post('/api/jmf-subscriptions', response_model=subscriber.SubscriptionInfo, status_code=201,
             dependencies=[Depends(json_body)])
async def create_jmf_subscription(body: SubscriptionIn, actor: CurrentActor) -> subscriber.SubscriptionInfo:
    """Admin: subscribe a machine to a device's Status signals (POST Query Status + Subscription); the periodic job
    sends the first subscription within a minute and renews it."""
    return await in_session(lambda s: subscriber.create_subscription(
        s, actor=actor, machine_id=body.machine_id, url=body.url, sender_id=body.sender_id, device_id=body.device_id))


@router.delete('/api/jmf-subscriptions/{subscription_id}', status_code=204)
async def delete_jmf_subscription(subscription_id: PathId, actor: CurrentActor) -> Response:
    """Admin: stop renewing the subscription and revoke its link."""
    await in_session(lambda s: subscriber.delete_subscription(s, actor=actor, subscription_id=subscription_id))
    return Response(status_code=204)


@router.post('/api/jmf-subscriptions/{subscription_id}/renewal', response_model=subscriber.SubscriptionInfo)
async def renew_jmf_subscription(subscription_id: PathId, actor: CurrentActor,
                                 request: Request) -> subscriber.SubscriptionInfo:
    """Admin: subscribe again now, not waiting for the periodic renewal (as "Renew now" on the admin screen). The
    device's answer, or why it did not subscribe, is in the returned health (`healthy`, `last_error`)."""
    base_url = labels.public_base_url(get_settings().public_origins, str(request.base_url))
    return await run_in_threadpool(lambda: subscriber.renew_now(actor=actor, subscription_id=subscription_id,
                                                                base_url=base_url))
