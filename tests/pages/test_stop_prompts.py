"""Machines report themselves (issue 21). The tablet asks why: a machine's own stop report puts "<machine>
stopped at 10:42: why?" on its technicians' overview without a reload, with the reason from the details
pre-chosen; one tap gives it and the prompt goes. The shift lead's list, the statistics' machine figures and the
admins' health view of links and subscriptions."""
from datetime import timedelta

import pytest
import time_machine
from nicegui.testing import User
from sqlalchemy import select

from app.config import get_settings
from app.db import session_scope
from app.models import CTPProblemLog, JmfSubscription, Role, utcnow
from app.services.jmf import ingest, links, subscriber
from app.services.jmf.messages import DeviceReport, Message
from tests.factories import PASSWORD, actor, make_machine, make_user, seeded_category
from tests.pages.signin import WAIT, sign_in


def paper_jam_now(link_id: int) -> str:
    """The linked device says it stopped with a PaperJam, now; returns the plant time the tablets name (HH:MM)."""
    now = utcnow()
    report = DeviceReport(device_id='', status='Stopped', status_details=('PaperJam',), device_condition='',
                          sent_at=now, production_counter=None, total_counter=None, hour_counter=None, counter_unit='')
    with session_scope() as session:
        ingest.ingest(session, link_id=link_id, message=Message('jmf', 'MAGNUS', ('S',), (report,), 0), received_at=now)
    return now.astimezone(get_settings().zone).strftime('%H:%M')


async def test_a_paper_jam_asks_the_tablet_why_and_one_tap_answers(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Magnus')
        jam = seeded_category(session, 'Plate loading / autoloader', 'Plate jam')
        make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
        boss = make_user(session, 'boss', Role.ADMIN)
        link, _ = links.create_link(session, actor=actor(boss), machine_id=machine.id, sender_id='MAGNUS')  # type: ignore[arg-type]
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see(marker=f'machine-{machine.id}', content='RUNNING', retries=WAIT)
    clock = paper_jam_now(link.id)
    await user.should_see(f'Magnus stopped at {clock}: why?', retries=WAIT)
    user.find(marker='stop-reason-suggested').click()
    await user.should_not_see(f'Magnus stopped at {clock}: why?', retries=WAIT)
    with session_scope() as session:
        log = session.exec(select(CTPProblemLog)).scalars().one()
        assert log.category_id == jam.id


async def test_the_shift_lead_lists_the_stops_waiting_for_a_reason(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Avalon')
        make_user(session, 'lead', Role.MANAGER)
        boss = make_user(session, 'boss', Role.ADMIN)
        link, _ = links.create_link(session, actor=actor(boss), machine_id=machine.id, sender_id='AVALON')  # type: ignore[arg-type]
    await sign_in(user, 'lead', PASSWORD, then='/machine-stops')
    await user.should_see(marker='no-stop-prompts', retries=WAIT)
    now = utcnow()
    report = DeviceReport(device_id='', status='Down', status_details=('BreakDown',), device_condition='Failure',
                          sent_at=now, production_counter=None, total_counter=None, hour_counter=None, counter_unit='')
    with session_scope() as session:
        ingest.ingest(session, link_id=link.id, message=Message('jmf', 'AVALON', ('S',), (report,), 0), received_at=now)
    clock = now.astimezone(get_settings().zone).strftime('%H:%M')
    await user.should_see(f'Avalon stopped at {clock}: why?', retries=WAIT)
    await user.should_see('The machine reported: Down BreakDown')
    await user.should_see('Open the problem')  # a manager reads; the technicians answer
    await user.should_not_see(marker='stop-reason-suggested')


async def test_statistics_show_what_the_machines_captured(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Suprasetter')
        make_user(session, 'lead', Role.MANAGER)
        boss = make_user(session, 'boss', Role.ADMIN)
        link, _ = links.create_link(session, actor=actor(boss), machine_id=machine.id, sender_id='SUPRA')  # type: ignore[arg-type]
    now = utcnow()
    for minutes_ago, status, details in ((90, 'Running', ()), (60, 'Down', ('BreakDown',)), (30, 'Running', ())):
        when = now - timedelta(minutes=minutes_ago)
        report = DeviceReport(device_id='', status=status, status_details=details, device_condition='', sent_at=when,
                              production_counter=None, total_counter=None, hour_counter=None, counter_unit='')
        with time_machine.travel(when, tick=False), session_scope() as session:
            ingest.ingest(session, link_id=link.id, message=Message('jmf', 'SUPRA', ('S',), (report,), 0),
                          received_at=when)
    await sign_in(user, 'lead', PASSWORD, then='/statistics?preset=Last 7 days')
    await user.should_see('Machines report themselves', retries=WAIT)
    await user.should_see(marker='truth-captured', content='30 min')
    await user.should_see(marker='truth-unexplained', content='30 min')  # nobody gave the why yet
    await user.should_see(marker='truth-typed', content='0 min')
    await user.should_see(marker='state-ledger')


async def test_admins_see_the_health_of_links_and_subscriptions(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_JMF_SUBSCRIBE_ALLOWED_HOSTS', '["prinergy.plant.local"]')
    get_settings.cache_clear()
    with session_scope() as session:
        magnus, avalon = make_machine(session, 'Magnus'), make_machine(session, 'Avalon')
        boss = make_user(session, 'boss', Role.ADMIN)
        links.create_link(session, actor=actor(boss), machine_id=magnus.id, sender_id='MAGNUS')  # type: ignore[arg-type]
        made = subscriber.create_subscription(session, actor=actor(boss), machine_id=avalon.id,  # type: ignore[arg-type]
                                              url='http://prinergy.plant.local/jmf', sender_id='PRINERGY')
        session.get(JmfSubscription, made.id).last_error = 'ReturnCode 5: Subscriptions disabled'  # type: ignore[union-attr]
        session.commit()
    await sign_in(user, 'boss', PASSWORD, then='/admin/machines')
    await user.should_see('Machines reporting themselves (JMF)', retries=WAIT)
    table = user.find(marker='device-health').elements.pop()
    rows = {row['sender']: row for row in table.rows}  # type: ignore[attr-defined]
    assert (rows['MAGNUS']['how'], rows['MAGNUS']['signal']) == ('the device posts', 'never')
    assert rows['PRINERGY']['how'] == 'subscribed at http://prinergy.plant.local/jmf'
    assert rows['PRINERGY']['error'] == 'ReturnCode 5: Subscriptions disabled'


async def test_the_machine_page_shows_its_own_counters(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Magnus')
        make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
        boss = make_user(session, 'boss', Role.ADMIN)
        link, _ = links.create_link(session, actor=actor(boss), machine_id=machine.id, sender_id='MAGNUS')  # type: ignore[arg-type]
    now = utcnow()
    for minutes_ago, plates in ((60, 1200), (30, 1250)):
        when = now - timedelta(minutes=minutes_ago)
        report = DeviceReport(device_id='', status='Running', status_details=(), device_condition='', sent_at=when,
                              production_counter=None, total_counter=plates, hour_counter=None, counter_unit='Plate')
        with time_machine.travel(when, tick=False), session_scope() as session:
            ingest.ingest(session, link_id=link.id, message=Message('jmf', 'MAGNUS', ('S',), (report,), 0),
                          received_at=when)
    await sign_in(user, 'tech1', PASSWORD, then=f'/machines/{machine.id}')
    await user.should_see('Counters reported by the machine', retries=WAIT)
    await user.should_see(marker='meter-total_production', content='1,250 Plate')


async def test_a_machine_linked_while_the_tablet_is_open_asks_why_without_a_reload(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Magnus')
        seeded_category(session, 'Plate loading / autoloader', 'Plate jam')
        make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
        boss = make_user(session, 'boss', Role.ADMIN)
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see(marker=f'machine-{machine.id}', content='RUNNING', retries=WAIT)
    with session_scope() as session:  # the admin links the device now (Admin → Machines), the tablet stays open
        link, _ = links.create_link(session, actor=actor(boss), machine_id=machine.id, sender_id='MAGNUS')  # type: ignore[arg-type]
    clock = paper_jam_now(link.id)
    await user.should_see(f'Magnus stopped at {clock}: why?', retries=WAIT)


def test_every_open_screen_is_followed_by_one_subscription() -> None:
    """Each screen that opens the prompts is kept (a machine linked later reaches all of them), and the process
    listens to machine changes once, however many screens opened."""
    from app import events
    from components.stop_prompts import _tracker

    class Screen:
        def request(self) -> None:
            pass

    screens = [Screen(), Screen()]
    for screen in screens:
        _tracker.follow(screen)  # type: ignore[arg-type]
    assert set(_tracker.screens) == set(screens)
    assert sum(c.func == _tracker.changed for c in events.machine_changed.callbacks) == 1
