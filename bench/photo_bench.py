"""Photo benchmark (by hand): a 12-megapixel camera JPEG processed and stored, and other clients' round trips meanwhile.

    /work/main/.venv/bin/python bench/photo_bench.py [--port 8330] [--rounds 8]

Part 1 times `photos.prepare_photo` in this process (decode, orient, re-encode, thumbnail, atomic writes).
Part 2 starts the real server (main.py) on --port in a subprocess, uploads the photo through
POST /api/ctp-problem-logs/{id}/photos again and again, and meanwhile a second signed-in client polls
GET /api/auth/me; its round trip is compared with the same polling while the server is idle.
Targets (issue 5): processing < 0.6 s, stored < 500 KB, thumbnail < 40 KB, round trips delayed < 50 ms.
"""
# ruff: noqa: T201  (a benchmark run by hand: its output is the figures)
import argparse
import contextlib
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PASSWORD = 'bench-pass-123456'
HEADERS = {'X-CTP-Request': '1'}


def configure(data_dir: Path, port: int) -> dict[str, str]:
    env = {'CTP_ENV': 'development', 'CTP_DATA_DIR': str(data_dir), 'CTP_PORT': str(port),
           'CTP_STORAGE_SECRET': 'bench-secret-' + 'x' * 40, 'CTP_ADMIN_PASSWORD': PASSWORD}
    os.environ.update(env)
    return env


def part_one(photo: bytes, rounds: int) -> None:
    from app.services import photos
    timings, prepared = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        prepared = photos.prepare_photo(photo, 'IMG_0001.jpg')
        timings.append(time.perf_counter() - started)
        photos.discard([prepared])
    assert prepared is not None
    print(f'processing + storing, {rounds} rounds: median {statistics.median(timings):.3f} s, '
          f'max {max(timings):.3f} s (target < 0.6 s)')
    print(f'stored image {prepared.width}x{prepared.height}: {prepared.size_bytes / 1000:.0f} KB (target < 500 KB); '
          f'thumbnail {len(prepared.thumb_jpeg) / 1000:.1f} KB (target < 40 KB)')


def seed_problem() -> int:
    from app import bootstrap
    from app.config import get_settings
    from app.db import session_scope
    from app.models import CTPMachine, Role
    from app.models.schemas import ProblemLogCreate
    from app.services import problem_logs, users
    from app.services.access import Actor
    bootstrap.prepare(get_settings())
    with session_scope() as session:
        machine = CTPMachine(name='Bench Q800')
        session.add(machine)
        session.commit()
        admin = users.find_by_username(session, 'admin')
        assert admin is not None
        who = Actor(user_id=admin.id, role=Role.ADMIN, name=admin.name)
        body = ProblemLogCreate(machine_id=machine.id, problem_description='Bench plate jam')  # type: ignore[arg-type]
        return problem_logs.report_problem(session, actor=who, problem_in=body).log.id  # type: ignore[return-value]


def signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, headers=HEADERS, timeout=30)
    client.post('/api/auth/login', json={'username': 'admin', 'password': PASSWORD}).raise_for_status()
    return client


def poll(base: str, stop: EventType, results: Connection) -> None:
    """The other client, in its own process (so the benchmark's own uploading does not slow it down)."""
    samples: list[tuple[float, float]] = []
    with contextlib.closing(signed_in(base)) as observer:
        while not stop.is_set():
            at, started = time.time(), time.perf_counter()
            observer.get('/api/auth/me').raise_for_status()
            samples.append((at, time.perf_counter() - started))
            time.sleep(0.02)
    results.send(samples)


def polled_while(base: str, work: Callable[[], None] | None, seconds: float) -> list[float]:
    context = multiprocessing.get_context('spawn')
    stop = context.Event()
    receiver, sender = context.Pipe(duplex=False)
    observer = context.Process(target=poll, args=(base, stop, sender))
    observer.start()
    time.sleep(3.0)   # let the observer start and sign in
    begin = time.time()
    if work is not None:
        work()
    else:
        time.sleep(seconds)
    end = time.time()
    stop.set()
    samples: list[tuple[float, float]] = receiver.recv()
    observer.join()
    return [duration for at, duration in samples if begin <= at <= end]


def uploads(base: str, log_id: int, photo: bytes, rounds: int, timings: list[float]) -> None:
    with contextlib.closing(signed_in(base)) as tablet:
        for _ in range(rounds):
            started = time.perf_counter()
            response = tablet.post(f'/api/ctp-problem-logs/{log_id}/photos',
                                   files=[('photo', ('IMG_0001.jpg', photo, 'image/jpeg'))])
            timings.append(time.perf_counter() - started)
            response.raise_for_status()
            tablet.delete(f'/api/ctp-problem-logs/{log_id}/photos/{response.json()[0]["id"]}').raise_for_status()


def junk_uploads(base: str, log_id: int, size: int, rounds: int) -> None:
    """Control: bodies of the same size that are refused right after parsing (no Pillow work)."""
    junk = b'\x89PNG\r\n\x1a\n' + os.urandom(size)
    with contextlib.closing(signed_in(base)) as tablet:
        for _ in range(rounds):
            response = tablet.post(f'/api/ctp-problem-logs/{log_id}/photos',
                                   files=[('photo', ('IMG_0001.jpg', junk, 'image/jpeg'))])
            assert response.status_code == 400, response.text


def describe(label: str, samples: list[float]) -> float:
    ordered = sorted(samples)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    print(f'{label}: n={len(samples)} median {statistics.median(samples) * 1000:.1f} ms, '
          f'p95 {p95 * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms')
    return p95


def part_two(env: dict[str, str], photo: bytes, port: int, rounds: int) -> None:
    log_id = seed_problem()
    base = f'http://127.0.0.1:{port}'
    server = subprocess.Popen([sys.executable, 'main.py'], cwd=ROOT, env={**os.environ, **env},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(base)
        idle = polled_while(base, None, 6.0)
        timings: list[float] = []
        busy = polled_while(base, lambda: uploads(base, log_id, photo, rounds, timings), 0)
        control = polled_while(base, lambda: junk_uploads(base, log_id, len(photo), rounds), 0)
        print(f'upload round trip (5.6 MB body, process, store, row): median {statistics.median(timings):.3f} s, '
              f'max {max(timings):.3f} s')
        idle_p95, busy_p95 = describe('other client, server idle', idle), describe('other client, during uploads', busy)
        control_p95 = describe('other client, during same-size refused uploads (no Pillow)', control)
        print(f'delay at p95 from body transport alone: {(control_p95 - idle_p95) * 1000:.1f} ms')
        print(f'delay of the other client at p95: {(busy_p95 - idle_p95) * 1000:.1f} ms (target < 50 ms); '
              f'median delay {(statistics.median(busy) - statistics.median(idle)) * 1000:.1f} ms')
    finally:
        server.terminate()
        server.wait(timeout=20)


def wait_until_up(base: str) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            httpx.get(f'{base}/login', timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.3)
    raise RuntimeError('server did not start')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, default=8330)
    parser.add_argument('--rounds', type=int, default=8)
    args = parser.parse_args()
    print(f'{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())} on {platform.node()}: {platform.platform()}, '
          f'{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, Python {platform.python_version()}')
    with tempfile.TemporaryDirectory(prefix='ctp-photo-bench-') as folder:
        env = configure(Path(folder), args.port)
        from tests.photo_corpus import detailed_photo
        photo = detailed_photo((4000, 3000))
        print(f'input: 4000x3000 camera-like JPEG (shapes, texture, noise, EXIF with GPS), {len(photo) / 1e6:.1f} MB')
        part_one(photo, args.rounds)
        part_two(env, photo, args.port, args.rounds)


if __name__ == '__main__':
    main()
