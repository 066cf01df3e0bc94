"""A plant of simulated platesetters reporting over CIP4 JMF 1.x and XJMF 2.x to a running CTP Log.

    python -m bench.jmf_sim --url http://127.0.0.1:8080 --devices 6 --rate 1 --duration 600 --time-scale 60

signs in as the admin, creates a machine and a device link per platesetter (half JMF with the URL token, half
XJMF with HTTP Basic), then each device posts a Status signal `--rate` times a second. Its day plays `--time-scale`
times faster than the clock: running (plates counted), idle, setup with a new job (ProductionCounter reset),
plate jams, breakdowns and planned maintenance. Signals carry the real time, so the app's ledger stays right;
with a time scale above 1 a stop lasts real seconds, so run the app with CTP_JMF_MICRO_STOP_SECONDS=0 (or a few
seconds) or every simulated stop is a micro-stop.
"""
import argparse
import asyncio
import base64
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
import httpx

logger = logging.getLogger('jmf_sim')
JMF_NS, XJMF_NS = 'http://www.CIP4.org/JDFSchema_1_1', 'http://www.CIP4.org/JDFSchema_2_0'
JMF, XJMF = 'application/vnd.cip4-jmf+xml', 'application/vnd.cip4-xjmf+xml'
# episode: (JMF DeviceStatus, StatusDetails, DeviceCondition, minutes low-high, weight after production)
EPISODES = {
    'run': ('Running', '', 'OK', (20, 90), 0),
    'idle': ('Idle', '', 'OK', (5, 40), 30),
    'setup': ('Setup', 'WarmingUp', 'OK', (2, 8), 25),
    'jam': ('Stopped', 'PaperJam', 'NeedsAttention', (1, 6), 25),
    'cover': ('Stopped', 'CoverOpen', 'NeedsAttention', (0.3, 2), 8),
    'breakdown': ('Down', 'BreakDown', 'Failure', (20, 120), 4),
    'maintenance': ('Stopped', 'Maintenance', 'OK', (30, 60), 8),
}
XJMF_STATUS = {'Running': 'Production', 'Down': 'Offline', 'Unknown': 'Offline'}


@dataclass
class Platesetter:
    """One device's state; `step` advances its simulated day, `message` renders its Status signal."""

    sender_id: str
    protocol: str                      # jmf | xjmf
    rng: random.Random
    script: list[str] = field(default_factory=list)   # episodes to play first (tests), then random ones
    episode: str = 'idle'
    left: float = 0.0                  # simulated seconds left in the episode
    plates: float = 0  # imaged so far in this job, fractional between signals
    total: int = 500_000
    hours: float = 20_000.0
    sequence: int = 0

    def step(self, seconds: float) -> None:
        self.hours += seconds / 3600
        if self.episode == 'run':
            before = int(self.plates)
            self.plates += seconds * 40 / 3600  # about 40 plates an hour
            self.total += int(self.plates) - before
        self.left -= seconds
        if self.left <= 0:
            self._next()

    def _next(self) -> None:
        if self.script:
            self.episode = self.script.pop(0)
        elif self.episode != 'run':
            self.episode = 'run'
        else:
            names = [n for n, e in EPISODES.items() if e[4]]
            self.episode = self.rng.choices(names, [EPISODES[n][4] for n in names])[0]
        if self.episode == 'setup':
            self.plates = 0  # a new job: ProductionCounter starts again
        low, high = EPISODES[self.episode][3]
        self.left = self.rng.uniform(low, high) * 60

    def message(self, now: datetime) -> bytes:
        self.sequence += 1
        status, details, condition = EPISODES[self.episode][:3]
        stamp = now.isoformat(timespec='milliseconds').replace('+00:00', 'Z')
        counters = (f'ProductionCounter="{int(self.plates)}" TotalProductionCounter="{self.total}" '
                    f'CounterUnit="Plate" HourCounter="{self.hours:.2f}"')
        words = f' StatusDetails="{details}"' if details else ''
        if self.protocol == 'xjmf':
            return (f'<?xml version="1.0" encoding="UTF-8"?><XJMF xmlns="{XJMF_NS}">'
                    f'<Header DeviceID="{self.sender_id}" ID="H{self.sequence}" Time="{stamp}"/>'
                    f'<SignalStatus><Header DeviceID="{self.sender_id}" '
                    f'ID="SS{self.sequence}" Time="{stamp}"/><DeviceInfo Status="{XJMF_STATUS.get(status, status)}"'
                    f'{words} DeviceCondition="{condition}" {counters}/></SignalStatus></XJMF>').encode()
        return (f'<?xml version="1.0" encoding="UTF-8"?><JMF xmlns="{JMF_NS}" SenderID="{self.sender_id}" '
                f'TimeStamp="{stamp}" Version="1.3"><Signal ID="S{self.sequence}" Type="Status" Time="{stamp}">'
                f'<DeviceInfo DeviceID="{self.sender_id}" DeviceStatus="{status}"{words} '
                f'DeviceCondition="{condition}" {counters}><Device DeviceID="{self.sender_id}" '
                f'DeviceType="Platesetter"/></DeviceInfo></Signal></JMF>').encode()


@dataclass
class Linked:
    device: Platesetter
    secret: str


@dataclass
class Stats:
    sent: int = 0
    ok: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)         # seconds per POST
    failure_latencies: list[float] = field(default_factory=list)  # POSTs that reported a new failure


def request_for(linked: Linked, base_url: str, now: datetime) -> tuple[str, bytes, dict[str, str]]:
    """(url, body, headers): JMF devices use the URL token, XJMF devices HTTP Basic (user = SenderID)."""
    device = linked.device
    body = device.message(now)
    if device.protocol == 'xjmf':
        basic = base64.b64encode(f'{device.sender_id}:{linked.secret}'.encode()).decode()
        return f'{base_url}/api/jmf', body, {'Content-Type': XJMF, 'Authorization': f'Basic {basic}'}
    return f'{base_url}/api/jmf/{linked.secret}', body, {'Content-Type': JMF}


Poster = Callable[[str, bytes, dict[str, str]], Awaitable[int]]  # (url, body, headers) -> HTTP status


def httpx_poster(client: httpx.AsyncClient) -> Poster:
    async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
        return (await client.post(url, content=body, headers=headers)).status_code
    return post


def aiohttp_poster(session: aiohttp.ClientSession) -> Poster:
    """For benchmarks: aiohttp's client spends a fraction of httpx's CPU per request, and the devices it plays
    would be other machines, not the server's own cores."""
    async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            return response.status
    return post


async def play(post: Poster, base_url: str, devices: list[Linked], *, rate: float, ticks: int,
               time_scale: float = 1.0) -> Stats:
    """Each device posts `ticks` signals, `rate` a second, its day advancing `time_scale` times faster."""
    stats = Stats()
    await asyncio.gather(*(_device_loop(post, base_url, d, rate, ticks, time_scale, stats) for d in devices))
    return stats


async def _device_loop(post: Poster, base_url: str, linked: Linked, rate: float, ticks: int,
                       time_scale: float, stats: Stats) -> None:
    period = 1 / rate if rate > 0 else 0.0
    start = time.monotonic()
    for tick in range(ticks):
        was_failing = EPISODES[linked.device.episode][0] == 'Down' or linked.device.episode in ('jam', 'cover')
        linked.device.step(period * time_scale if period else time_scale)
        failing = EPISODES[linked.device.episode][0] == 'Down' or linked.device.episode in ('jam', 'cover')
        url, body, headers = request_for(linked, base_url, datetime.now(UTC))
        began = time.perf_counter()
        try:
            ok = await post(url, body, headers) == 200
        except (httpx.HTTPError, aiohttp.ClientError, OSError) as error:
            logger.warning('%s: %s', linked.device.sender_id, error)
            ok = False
        elapsed = time.perf_counter() - began
        stats.sent += 1
        stats.ok += ok
        stats.failed += not ok
        stats.latencies.append(elapsed)
        if failing and not was_failing:
            stats.failure_latencies.append(elapsed)
        if period:
            await asyncio.sleep(max(0.0, start + (tick + 1) * period - time.monotonic()))


async def link_devices(client: httpx.AsyncClient, base_url: str, count: int, seed: int,
                       prefix: str = 'SIM') -> list[Linked]:
    """As the signed-in admin: a machine and a device link per simulated platesetter."""
    rng = random.Random(seed)
    devices = []
    for index in range(count):
        sender = f'{prefix}-CTP-{index + 1:02d}'
        machine = await client.post(f'{base_url}/api/ctp-machines', json={'name': f'Simulated platesetter {sender}'})
        machine.raise_for_status()
        link = await client.post(f'{base_url}/api/device-links', json={'machine_id': machine.json()['id'],
                                                                       'sender_id': sender})
        link.raise_for_status()
        device = Platesetter(sender, 'xjmf' if index % 2 else 'jmf', random.Random(rng.random()))
        devices.append(Linked(device, link.json()['secret']))
    return devices


async def _main(args: argparse.Namespace) -> None:
    headers = {'Origin': args.url, 'X-CTP-Request': '1'}
    async with httpx.AsyncClient(timeout=30, headers=headers) as client:
        login = await client.post(f'{args.url}/api/auth/login', json={'username': args.admin,
                                                                       'password': args.password})
        login.raise_for_status()
        devices = await link_devices(client, args.url, args.devices, args.seed, args.prefix)
        logger.info('playing %d platesetters at %.2f signals/s each', len(devices), args.rate)
        stats = await play(httpx_poster(client), args.url, devices, rate=args.rate,
                           ticks=int(args.duration * args.rate), time_scale=args.time_scale)
    logger.info('sent %d signals: %d accepted, %d refused or failed', stats.sent, stats.ok, stats.failed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--url', default='http://127.0.0.1:8080')
    parser.add_argument('--admin', default='admin')
    parser.add_argument('--password', required=True, help='the admin password (CTP_ADMIN_PASSWORD)')
    parser.add_argument('--devices', type=int, default=6)
    parser.add_argument('--rate', type=float, default=1.0, help='signals per second per device')
    parser.add_argument('--duration', type=float, default=600, help='seconds')
    parser.add_argument('--time-scale', type=float, default=60, help='simulated seconds per real second')
    parser.add_argument('--seed', type=int, default=21)
    parser.add_argument('--prefix', default='SIM', help='SenderID prefix (a second run needs another one)')
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(message)s')
    asyncio.run(_main(parser.parse_args()))


if __name__ == '__main__':
    main()
