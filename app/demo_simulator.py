"""`make run` with CTP_DEMO_SIMULATOR=1: simulated platesetters drive the demo plant over JMF/XJMF (issue 21).

At start-up the demo's first machines get fresh device links (sender `DEMO-<id>`; the previous run's are revoked),
and the repository's simulator (bench/jmf_sim.py) plays a platesetter per machine, posting Status signals to this
server over HTTP the way a real device would: running, idle, setup, jams, breakdowns, maintenance, counters. Its
days run TIME_SCALE times faster, so a newcomer sees cards turn red, the tablet ask why, and green again.
Demo only: nothing happens unless both CTP_DEMO and CTP_DEMO_SIMULATOR are set.
"""
import asyncio
import contextlib
import logging
import random
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import col

from app.config import get_settings
from app.db import select_rows, session_scope
from app.models import CTPMachine, DeviceLink, Role, utcnow
from app.services.access import Actor
from app.services.jmf import links

logger = logging.getLogger(__name__)
PREFIX = 'DEMO-'
MAX_DEVICES = 6
RATE = 0.5          # signals a second per device
TIME_SCALE = 10.0   # simulated seconds per real second: a 30-minute breakdown lasts 3 minutes
SIMULATOR = Actor(user_id=None, role=Role.ADMIN, name='demo simulator')
_task: asyncio.Task[None] | None = None


def link_demo_machines() -> list[tuple[str, str, str]]:
    """(sender, secret, protocol) per simulated platesetter: fresh links for the demo's first active machines."""
    with session_scope() as session:
        for old in select_rows(session, select(DeviceLink).where(col(DeviceLink.sender_id).startswith(PREFIX),
                                                                  col(DeviceLink.revoked_at).is_(None))).scalars():
            old.revoked_at = utcnow()
            session.add(old)
        session.commit()
        machines = list(select_rows(session, select(CTPMachine).where(col(CTPMachine.retired_at).is_(None))
                                     .order_by(col(CTPMachine.id)).limit(MAX_DEVICES)).scalars())
        result = []
        for index, machine in enumerate(machines):
            sender = f'{PREFIX}{machine.id}'
            _info, secret = links.create_link(session, actor=SIMULATOR, machine_id=machine.id, sender_id=sender)  # type: ignore[arg-type]
            result.append((sender, secret, 'xjmf' if index % 2 else 'jmf'))
    return result


async def start() -> None:
    """Start playing (a start-up hook); a missing simulator or database trouble is logged, never fatal."""
    global _task
    settings = get_settings()
    if not (settings.demo and settings.demo_simulator):
        return
    try:
        from bench import jmf_sim  # the repository's simulator; not part of an installed package
    except ImportError:
        logger.warning('CTP_DEMO_SIMULATOR is set but bench/jmf_sim.py is not here: run from the repository')
        return
    found = await asyncio.to_thread(link_demo_machines)
    rng = random.Random(21)
    devices = [jmf_sim.Linked(jmf_sim.Platesetter(sender, protocol, random.Random(rng.random())), secret)
               for sender, secret, protocol in found]
    _task = asyncio.create_task(_play(jmf_sim, devices, f'http://127.0.0.1:{settings.port}'), name='demo-simulator')
    logger.info('demo simulator: %d platesetters report over JMF/XJMF', len(devices))


async def _play(jmf_sim: Any, devices: list[Any], base_url: str) -> None:
    await asyncio.sleep(2)  # the server is listening by then
    async def forget_cookies(_response: httpx.Response) -> None:
        client.cookies.clear()  # a device keeps no session cookie (with one, the API would ask for its CSRF header)

    async with httpx.AsyncClient(timeout=30, event_hooks={'response': [forget_cookies]}) as client:
        await jmf_sim.play(client, base_url, devices, rate=RATE, ticks=10**9, time_scale=TIME_SCALE)


async def stop() -> None:
    global _task
    if _task is not None:
        _task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await _task
    _task = None
