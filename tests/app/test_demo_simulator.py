"""CTP_DEMO_SIMULATOR=1: the demo's first machines get fresh device links for the simulated platesetters (the
previous run's are revoked), and their signals are accepted by the receiver; nothing starts without the setting."""
import asyncio

import pytest
from sqlalchemy import select
from sqlmodel import Session

from app import demo_simulator
from app.config import get_settings
from app.models import DeviceLink, utcnow
from app.services.jmf import ingest, links
from app.services.jmf.messages import read_message
from app.services.jmf.safe_xml import Limits, parse
from bench import jmf_sim
from tests.factories import make_machine


def test_fresh_links_for_the_demo_machines_and_their_signals_count(session: Session) -> None:
    first, second = make_machine(session, 'Magnus'), make_machine(session, 'Avalon')
    make_machine(session, 'Old one', retired_at=utcnow())
    found = demo_simulator.link_demo_machines()
    assert [(sender, protocol) for sender, _, protocol in found] == [(f'DEMO-{first.id}', 'jmf'),
                                                                     (f'DEMO-{second.id}', 'xjmf')]
    again = demo_simulator.link_demo_machines()  # a restart: the old secrets stop working
    session.expire_all()
    assert len(session.exec(select(DeviceLink).where(DeviceLink.revoked_at.is_(None))).scalars().all()) == 2
    sender, secret, protocol = again[0]
    device = jmf_sim.Platesetter(sender, protocol, jmf_sim.random.Random(1), script=['breakdown'])
    device.step(1)
    message = read_message(parse(device.message(utcnow()), Limits(10**6, 24, 2000)))
    link = links.authenticate(session, secret=secret, address='127.0.0.1')
    stored = ingest.ingest(session, link_id=link.id, message=message, received_at=utcnow())  # type: ignore[arg-type]
    assert stored.stored == 1 and link.machine_id == first.id


def test_nothing_plays_without_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_DEMO', '1')
    get_settings.cache_clear()
    asyncio.run(demo_simulator.start())
    assert demo_simulator._task is None
