"""CTP Log subscribes to a device's or workflow server's status signals (CIP4 JMF 1.x), renews, and keeps health.

It POSTs (`application/vnd.cip4-jmf+xml`) `JMF/Query[@Type="Status"]` holding `StatusQuParams[@DeviceDetails=
"Details"]` and `Subscription[@URL,@RepeatTime]`; the device answers `Response[@ReturnCode="0"]` (with
`@Subscribed="true"`) and then posts Status signals to that URL: the receiver of a device link (app/api/routes/
jmf.py). Every subscription gives the link a fresh secret, so no usable secret is stored; a refused or failed
attempt keeps the previous one. Subscriptions are renewed every CTP_JMF_SUBSCRIPTION_RENEW_MINUTES (and retried
after an error); admins see the last answer, the last signal and the last error. Only hosts on
CTP_JMF_SUBSCRIBE_ALLOWED_HOSTS are contacted, redirects are not followed, and the answer is parsed as safely as
a received message.
"""
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, SubElement, tostring

import httpx
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session, col

from app import auth
from app.config import get_settings
from app.db import pk, read_session, rolls_back, select_rows, session_scope
from app.errors import InvalidInput, NotFound
from app.i18n import N_
from app.models import CTPMachine, DeviceLink, JmfSubscription, utcnow
from app.services import labels
from app.services.access import Action, Actor, require
from app.services.jmf import links
from app.services.jmf.messages import JMF_MEDIA_TYPE, JMF_NS, OUR_SENDER_ID
from app.services.jmf.safe_xml import Limits, XmlRefused, children, local_name, parse

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10.0
RETRY_AFTER_ERROR = timedelta(minutes=5)


class SubscriptionInfo(BaseModel):
    """A subscription and its health, for admins."""

    id: int
    link_id: int
    machine_id: int
    machine_name: str
    sender_id: str
    url: str
    subscribed_at: datetime | None
    attempted_at: datetime | None
    next_renewal_at: datetime
    last_signal_at: datetime | None
    last_error: str | None
    healthy: bool


@dataclass(frozen=True)
class Attempt:
    subscription_id: int
    url: str
    body: bytes
    old_hash: str


def check_url(url: str) -> str:
    """An http(s) URL without credentials whose host (or host:port) is on CTP_JMF_SUBSCRIBE_ALLOWED_HOSTS."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or '').lower()
    try:
        port = parts.port or (443 if parts.scheme == 'https' else 80)
    except ValueError:
        port = 0
    if parts.scheme not in ('http', 'https') or not host or parts.username or parts.password or not port:
        raise InvalidInput(N_('enter the device\'s JMF address starting with http:// or https://, without a user '
                              'name or password (such as http://10.0.5.20:8080/jmf)'), field='url')
    allowed = {entry.strip().lower() for entry in get_settings().jmf_subscribe_allowed_hosts}
    if host not in allowed and f'{host}:{port}' not in allowed:
        raise InvalidInput(N_('CTP Log may not contact {host}: the server\'s administrator adds it to '
                              'CTP_JMF_SUBSCRIBE_ALLOWED_HOSTS first'), field='url', host=host)
    return url.strip()


def create_subscription(session: Session, *, actor: Actor, machine_id: int, url: str, sender_id: str,
                        device_id: str = '') -> SubscriptionInfo:
    """Admin: subscribe the machine to a device (a new device link for its signals); the first attempt is due now."""
    require(actor, Action.ADMINISTER)
    url = check_url(url)
    info, _secret = links.create_link(session, actor=actor, machine_id=machine_id, sender_id=sender_id,
                                      device_id=device_id)
    row = JmfSubscription(link_id=info.id, url=url, created_by=actor.user_id, next_renewal_at=utcnow())
    session.add(row)
    session.commit()
    return _info(session, row)


def list_subscriptions(session: Session, *, actor: Actor) -> list[SubscriptionInfo]:
    require(actor, Action.ADMINISTER)
    rows = select_rows(session, select(JmfSubscription).order_by(col(JmfSubscription.id))).scalars()
    return [_info(session, row) for row in rows]


@rolls_back
def delete_subscription(session: Session, *, actor: Actor, subscription_id: int) -> None:
    """Admin: stop renewing and revoke the link (the device's further signals are refused)."""
    require(actor, Action.ADMINISTER)
    row = session.get(JmfSubscription, subscription_id)
    if row is None:
        raise NotFound(N_('this subscription no longer exists'))
    link_id = row.link_id
    session.delete(row)
    session.commit()
    link = session.get(DeviceLink, link_id)
    if link is not None and link.revoked_at is None:
        links.revoke_link(session, actor=actor, link_id=link_id)


def renew_now(*, actor: Actor, subscription_id: int, base_url: str) -> SubscriptionInfo:
    """Admin: subscribe again at once (not waiting for the periodic renewal); the answer shows in its health.
    Runs off the event loop (it waits for the device); the database is not held meanwhile."""
    require(actor, Action.ADMINISTER)
    with read_session() as session:
        if session.get(JmfSubscription, subscription_id) is None:
            raise NotFound(N_('this subscription no longer exists'))
    with httpx.Client() as client:
        subscribe_now(subscription_id, base_url, client)
    with read_session() as session:
        row = session.get(JmfSubscription, subscription_id)
        if row is None:
            raise NotFound(N_('this subscription no longer exists'))
        return _info(session, row)


def query_message(callback_url: str, *, query_id: str, now: datetime) -> bytes:
    """JMF/Query[@Type="Status"] with StatusQuParams (details) and Subscription[@URL] asking for signals."""
    root = Element('JMF', {'xmlns': JMF_NS, 'SenderID': OUR_SENDER_ID, 'Version': '1.3',
                           'TimeStamp': now.astimezone(UTC).isoformat(timespec='seconds')})
    query = SubElement(root, 'Query', {'ID': query_id, 'Type': 'Status'})
    SubElement(query, 'StatusQuParams', {'DeviceDetails': 'Details'})
    SubElement(query, 'Subscription', {'URL': callback_url,
                                       'RepeatTime': str(get_settings().jmf_subscription_repeat_seconds)})
    return b'<?xml version="1.0" encoding="UTF-8"?>' + tostring(root)


def prepare(session: Session, subscription_id: int, base_url: str) -> Attempt | None:
    """Give the link a fresh secret and build the Query carrying it (the caller commits before posting)."""
    row = session.get(JmfSubscription, subscription_id)
    link = session.get(DeviceLink, row.link_id) if row is not None else None
    if row is None or link is None or link.revoked_at is not None:
        return None
    secret = auth.new_token(links.TOKEN_PREFIX)
    old_hash, link.secret_hash = link.secret_hash, auth.token_digest(secret)
    row.attempted_at = utcnow()
    session.add_all([row, link])
    body = query_message(f'{base_url.rstrip("/")}/api/jmf/{secret}', query_id=f'Q{uuid.uuid4().hex[:12]}',
                         now=row.attempted_at)
    return Attempt(subscription_id=subscription_id, url=row.url, body=body, old_hash=old_hash)


def post(attempt: Attempt, client: httpx.Client) -> str | None:
    """Send the Query; None when the device subscribed, else why not (in words)."""
    try:
        check_url(attempt.url)
        response = client.post(attempt.url, content=attempt.body, headers={'Content-Type': JMF_MEDIA_TYPE},
                               timeout=TIMEOUT_SECONDS, follow_redirects=False)
    except InvalidInput as error:
        return error.message
    except httpx.HTTPError as error:
        return f'{type(error).__name__}: {error}'[:300]
    if response.status_code != 200:
        return f'HTTP {response.status_code} from the device'
    return _refusal(response.content)


def _refusal(body: bytes) -> str | None:
    settings = get_settings()
    try:
        root = parse(body, Limits(settings.jmf_max_bytes, settings.jmf_max_depth, settings.jmf_max_elements))
    except XmlRefused as error:
        return f'the answer was refused: {error.message}'[:300]
    answers = children(root, 'Response') if local_name(root) == 'JMF' else []
    if not answers:
        return 'the answer holds no JMF Response'
    code = answers[0].get('ReturnCode', '0')
    if code != '0':
        words = ' '.join((n.get('ErrorText', '') or (n.text or '')) for n in answers[0].iter() if local_name(n)
                         in ('Notification', 'Comment'))
        return f'ReturnCode {code}{": " + words.strip() if words.strip() else ""}'[:300]
    if answers[0].get('Subscribed', 'true').lower() == 'false':
        return 'the device answered Subscribed="false"'
    return None


def record(session: Session, attempt: Attempt, error: str | None) -> None:
    """Keep the answer: subscribed (renew later) or the error (old secret back, retry sooner)."""
    row = session.get(JmfSubscription, attempt.subscription_id)
    if row is None:
        return
    now = utcnow()
    if error is None:
        row.subscribed_at, row.last_error = now, None
        row.next_renewal_at = now + timedelta(minutes=get_settings().jmf_subscription_renew_minutes)
    else:
        link = session.get(DeviceLink, row.link_id)
        if link is not None:
            link.secret_hash = attempt.old_hash
            session.add(link)
        row.last_error, row.next_renewal_at = error[:300], now + RETRY_AFTER_ERROR
        logger.warning('JMF subscription %s at %s failed: %s', row.id, row.url, error)
    session.add(row)
    session.commit()


def subscribe_now(subscription_id: int, base_url: str, client: httpx.Client) -> str | None:
    """One attempt without holding the database during the request; returns the error, if any."""
    with session_scope() as session:
        attempt = prepare(session, subscription_id, base_url)
        session.commit()
    if attempt is None:
        return 'the subscription or its link is gone'
    error = post(attempt, client)
    with session_scope() as session:
        record(session, attempt, error)
    return error


def renew_due(base_url: str, now: datetime | None = None) -> int:
    """The periodic job: (re)subscribe every subscription that is due; returns how many were attempted."""
    with read_session() as session:
        due = list(select_rows(session, select(pk(JmfSubscription.id)).where(
            col(JmfSubscription.next_renewal_at) <= (now or utcnow()))).scalars())
    if due:
        with httpx.Client() as client:
            for subscription_id in due:
                subscribe_now(subscription_id, base_url, client)
    return len(due)


def renew_job() -> int:
    """The periodic job's entry: the devices post back to the plant's public address."""
    settings = get_settings()
    return renew_due(labels.public_base_url(settings.public_origins, f'http://{settings.host}:{settings.port}'))


def _info(session: Session, row: JmfSubscription) -> SubscriptionInfo:
    link = session.get(DeviceLink, row.link_id)
    assert link is not None
    machine = session.get(CTPMachine, link.machine_id)
    return SubscriptionInfo(id=row.id, link_id=link.id, machine_id=link.machine_id,
                            machine_name=machine.name if machine else '?', sender_id=link.sender_id, url=row.url,
                            subscribed_at=row.subscribed_at, attempted_at=row.attempted_at,
                            next_renewal_at=row.next_renewal_at, last_signal_at=link.last_signal_at,
                            last_error=row.last_error or link.last_error,
                            healthy=row.subscribed_at is not None and row.last_error is None)
