"""Outbound alerts against real receivers on 127.0.0.1: an SMTP server (aiosmtpd) and a webhook receiver (issue 23)."""
import asyncio
import hashlib
import hmac
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import delete, select
from sqlmodel import Session

from app import alert_worker
from app.config import get_settings
from app.db import build_engine
from app.models import AlertChannel, AlertOutbox, AlertSubscription, CTPMachine, Role, User, utcnow
from app.services import alert_outbox
from tests.alert_servers import Mailbox, Receiver, smtp_server, webhook_receiver
from tests.factories import change, make_machine, make_user, report

SECRET = 'hook-secret-123'


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    with smtp_server() as (box, port):
        monkeypatch.setenv('CTP_SMTP_HOST', '127.0.0.1')
        monkeypatch.setenv('CTP_SMTP_PORT', str(port))
        monkeypatch.setenv('CTP_SMTP_SECURITY', 'none')  # aiosmtpd on loopback speaks plain SMTP
        monkeypatch.setenv('CTP_ALERT_ALLOWED_HOSTS', '["127.0.0.1"]')
        get_settings.cache_clear()
        yield box


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as hook:
        yield hook


@pytest.fixture
def plant(session: Session, receiver: Receiver) -> tuple[CTPMachine, User, User]:
    magnus = make_machine(session, 'Magnus')
    tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
    admin = make_user(session, 'boss', Role.ADMIN)
    channel = AlertChannel(name='Plant hook', kind='webhook', target=receiver.url(), secret=SECRET)
    session.add(channel)
    session.flush()
    subscribe(session, admin, 'email', address='boss@plant.example')
    subscribe(session, admin, 'webhook', channel_id=channel.id)
    return magnus, tech, admin


def subscribe(session: Session, user: User, kind: str, *, address: str = '', channel_id: int | None = None,
              kinds: str = '', machines: str = '') -> None:
    session.add(AlertSubscription(user_id=user.id, channel_kind=kind, address=address,  # type: ignore[arg-type]
                                  channel_id=channel_id, event_kinds=kinds, machine_ids=machines))
    session.commit()


def unsubscribe(session: Session, kind: str | None = None) -> None:
    where = [AlertSubscription.channel_kind == kind] if kind else []
    session.execute(delete(AlertSubscription).where(*where))  # type: ignore[arg-type]
    session.commit()


def outbox(session: Session) -> list[AlertOutbox]:
    session.expire_all()
    rows = list(session.exec(select(AlertOutbox).order_by(AlertOutbox.id)).scalars())
    session.commit()  # ends the read (SQLite: BEGIN IMMEDIATE holds the write lock the sender needs)
    return rows


async def test_a_stop_sends_one_email_and_one_signed_webhook(session: Session, plant, mailbox: Mailbox,  # type: ignore[no-untyped-def]
                                                             receiver: Receiver) -> None:
    magnus, tech, _ = plant
    log_id = report(session, tech, magnus, description='Plate jam <b>&</b>')
    assert [row.status for row in outbox(session)] == ['pending', 'pending']  # written with the problem
    assert await alert_worker.run_once() == 2
    assert await alert_worker.run_once() == 0
    assert len(mailbox.messages) == 1 and len(receiver.requests) == 1
    mail = mailbox.messages[0]
    assert mail['To'] == 'boss@plant.example' and 'Magnus' in mail['Subject']
    html = next(part for part in mail.walk() if part.get_content_type() == 'text/html').get_payload(decode=True)
    assert b'Plate jam &lt;b&gt;&amp;&lt;/b&gt;' in html and f'/problem-logs/{log_id}'.encode() in html
    hook = receiver.requests[0]
    expected = 'sha256=' + hmac.new(SECRET.encode(), hook.body, hashlib.sha256).hexdigest()
    assert hook.headers['x-ctp-signature'] == expected
    assert hook.json['kind'] == 'problem_created' and hook.json['log_id'] == log_id
    assert hook.headers['idempotency-key'] == hook.json['id']
    assert {row.status for row in outbox(session)} == {'sent'}


async def test_a_claim_abandoned_mid_send_is_delivered_once_after_its_lease(session: Session, plant,  # type: ignore[no-untyped-def]
                                                                           mailbox: Mailbox,
                                                                           receiver: Receiver) -> None:
    magnus, tech, _ = plant
    report(session, tech, magnus)
    killed = alert_outbox.claim(session, limit=10)  # a process claimed both, then died before sending
    assert len(killed) == 2
    assert await alert_worker.run_once() == 0  # still leased
    later = utcnow() + timedelta(seconds=get_settings().alert_lease_seconds + 1)
    with time_machine.travel(later, tick=True):
        assert await alert_worker.run_once() == 2
    assert len(mailbox.messages) == 1 and len(receiver.requests) == 1
    assert alert_outbox.mark_sent(session, killed[0]) is False  # the dead claim can no longer record anything
    assert [row.attempts for row in outbox(session)] == [2, 2]


async def test_failures_back_off_then_dead_letter_and_an_admin_retry_delivers(session: Session, plant,  # type: ignore[no-untyped-def]
                                                                            receiver: Receiver,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_ALERT_MAX_ATTEMPTS', '2')
    monkeypatch.setenv('CTP_ALERT_ALLOWED_HOSTS', '["127.0.0.1"]')
    get_settings.cache_clear()
    magnus, tech, admin = plant
    unsubscribe(session, 'email')
    receiver.answer = lambda _: (503, {})
    report(session, tech, magnus)
    assert await alert_worker.run_once() == 1
    row = outbox(session)[0]
    assert (row.status, row.attempts, row.last_error) == ('pending', 1, 'HTTP 503')
    assert timedelta(seconds=14) <= row.next_attempt_at - utcnow() <= timedelta(seconds=30)  # 30 s with jitter
    assert await alert_worker.run_once() == 0  # not due yet
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=True):
        assert await alert_worker.run_once() == 1
    assert outbox(session)[0].status == 'dead'
    receiver.answer = lambda _: (204, {})
    assert alert_outbox.retry(session, row.id) is True  # type: ignore[arg-type]
    assert await alert_worker.run_once() == 1
    assert outbox(session)[0].status == 'sent' and len(receiver.requests) == 3
    assert len({r.headers['idempotency-key'] for r in receiver.requests}) == 1  # the receiver can de-duplicate


async def test_redirects_and_hosts_off_the_allow_list_are_refused(session: Session, plant,  # type: ignore[no-untyped-def]
                                                                 receiver: Receiver,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    magnus, tech, _ = plant
    unsubscribe(session, 'email')
    monkeypatch.setenv('CTP_ALERT_ALLOWED_HOSTS', '[]')
    get_settings.cache_clear()
    report(session, tech, magnus)
    await alert_worker.run_once()
    assert receiver.requests == [] and outbox(session)[0].status == 'dead'
    assert 'CTP_ALERT_ALLOWED_HOSTS' in (outbox(session)[0].last_error or '')
    monkeypatch.setenv('CTP_ALERT_ALLOWED_HOSTS', '["127.0.0.1"]')
    get_settings.cache_clear()
    receiver.answer = lambda r: (302, {'Location': '/elsewhere'}) if r.path == '/hook' else (200, {})
    report(session, tech, magnus, description='second')
    await alert_worker.run_once()
    assert [r.path for r in receiver.requests] == ['/hook']  # the redirect was not followed
    assert 'redirect' in (outbox(session)[1].last_error or '')


def test_two_senders_on_one_database_never_claim_the_same_alert(session: Session, plant, ctp_env: str) -> None:  # type: ignore[no-untyped-def]
    magnus, tech, _ = plant
    for number in range(5):
        report(session, tech, magnus, description=f'stop {number}')
    engines = [build_engine(ctp_env), build_engine(ctp_env)]
    claimed: list[list[int]] = [[], []]
    try:
        for turn in range(6):
            with Session(engines[turn % 2]) as other:
                claimed[turn % 2] += [d.id for d in alert_outbox.claim(other, limit=2)]
    finally:
        for engine in engines:
            engine.dispose()
    assert not set(claimed[0]) & set(claimed[1])
    assert sorted(claimed[0] + claimed[1]) == [row.id for row in outbox(session)]


def test_subscriptions_filter_by_machine_kind_and_quiet_hours(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    magnus, tech, admin = plant
    avalon = make_machine(session, 'Avalon')
    unsubscribe(session)
    subscribe(session, admin, 'email', address='a@x.example', machines=str(avalon.id))
    subscribe(session, admin, 'email', address='b@x.example', kinds='problem_resolved')
    local = utcnow().astimezone(get_settings().zone)
    minute = local.hour * 60 + local.minute
    session.add(AlertSubscription(user_id=admin.id, channel_kind='email', address='c@x.example',  # type: ignore[arg-type]
                                  quiet_start=(minute - 5) % 1440, quiet_end=(minute + 60) % 1440))
    subscribe(session, admin, 'email', address='d@x.example')
    session.commit()
    report(session, tech, magnus)
    assert [row.destination for row in outbox(session)] == ['d@x.example']


def test_acknowledging_tells_the_reporter_by_their_subscription(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    magnus, tech, admin = plant
    unsubscribe(session)
    subscribe(session, tech, 'email', address='tech@x.example')
    log_id = report(session, tech, magnus)
    assert outbox(session) == []  # not told about their own report
    change(session, admin, log_id, status='in_progress')
    assert [(row.destination, row.log_id) for row in outbox(session)] == [('tech@x.example', log_id)]


def test_a_sender_whose_event_loop_has_ended_never_breaks_a_commit(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    """A server (or a test's app) that ended without stopping its sender leaves its waker behind: the next change
    that adds alerts must still commit, and its alerts wait in the outbox for a sender that is running."""
    magnus, tech, _ = plant

    async def start_and_leave() -> None:
        await alert_worker.start()

    asyncio.run(start_and_leave())  # the loop closes with the sender's waker still registered
    try:
        report(session, tech, magnus)
        assert [row.status for row in outbox(session)] == ['pending', 'pending']
    finally:
        asyncio.run(alert_worker.stop())
