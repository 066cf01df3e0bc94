"""The simulator plays JMF and XJMF platesetters against the app served on 127.0.0.1: every signal is accepted and
stored, a scripted breakdown opens an unexplained stop and the repair ends it; counters become meter readings."""
import random
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlmodel import Session

from app import api
from app.db import session_scope
from app.models import CTPProblemLog, JmfSignal, MachineStop, MeterReading, Role
from app.services.jmf import links
from bench.jmf_sim import Linked, Platesetter, httpx_poster, play
from tests.factories import actor, make_machine, make_user


@pytest.fixture
def served() -> Iterator[str]:
    """The REST adapter behind a real HTTP server on 127.0.0.1 (a free port), in a thread."""
    app = FastAPI()
    api.install(app)
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host='127.0.0.1', port=port, log_level='warning', lifespan='off'))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.02)
    yield f'http://127.0.0.1:{port}'
    server.should_exit = True
    thread.join(10)


def device(session: Session, sender: str, protocol: str, script: list[str]) -> Linked:
    machine = make_machine(session, f'Platesetter {sender}')
    admin = make_user(session, f'admin-{sender.lower()}', Role.ADMIN)
    _, secret = links.create_link(session, actor=actor(admin), machine_id=machine.id, sender_id=sender)  # type: ignore[arg-type]
    return Linked(Platesetter(sender, protocol, random.Random(7), script=list(script)), secret)


async def test_simulated_platesetters_report_over_http(served: str, session: Session,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from app.config import get_settings
    monkeypatch.setenv('CTP_JMF_MICRO_STOP_SECONDS', '0')  # simulated days pass in real milliseconds
    get_settings.cache_clear()
    # Each tick is ten simulated minutes: running for 5 ticks, a breakdown (20-120 min), then running again.
    plan = ['breakdown'] + ['run'] * 8
    devices = [device(session, 'SIM-JMF-1', 'jmf', plan), device(session, 'SIM-XJMF-1', 'xjmf', plan)]
    for linked in devices:
        linked.device.episode, linked.device.left = 'run', 3000
    session.rollback()
    async with httpx.AsyncClient(timeout=20) as client:
        stats = await play(httpx_poster(client), served, devices, rate=0, ticks=40, time_scale=600)
    assert (stats.sent, stats.ok, stats.failed) == (80, 80, 0)
    with session_scope() as check:
        assert check.exec(select(func.count()).select_from(JmfSignal)).one()[0] == 80
        protocols = set(check.exec(select(JmfSignal.protocol)).scalars())
        stops = check.exec(select(MachineStop)).scalars().all()
        problems = check.exec(select(CTPProblemLog)).scalars().all()
        readings = check.exec(select(func.count()).select_from(MeterReading)).one()[0]
    assert protocols == {'jmf', 'xjmf'}
    assert len(stops) == 2 and all(s.ended_at is not None and s.kind == 'stop' for s in stops)
    assert [p.status for p in problems] == ['completed', 'completed'] and readings > 10
