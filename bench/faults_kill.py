"""Fault: the server SIGKILLed in the middle of a completion and of a photo upload, then restarted.

`python -m bench.faults_kill [--trials 5]` runs the app (`main.py`, demo plant, SQLite) and per trial sends the
request from a thread, kills the process (SIGKILL: no shutdown, no flush) a random few milliseconds later, starts
it again and checks: PRAGMA integrity_check and foreign_key_check; a completion either happened entirely or not
at all (status, end time, solution, running downtime segment, machine status); every photo row has its files and
every file in the photo folder belongs to a row (no orphans, no temp files), checked right after each restart
(the start-up sweep removes a killed upload's files at once, see app/photo_pending.py). The photo part needs
issue 5's photo service (a multipart report with a `photo` part); without it the script says so and checks the
completions only.
"""
import argparse
import io
import json
import random
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.common import Server, machine_line, sign_in

PHOTO_REFUSED = 'does not store photos'


def jpeg(megapixels: float = 6) -> bytes:
    from PIL import Image
    side = int((megapixels * 1e6) ** 0.5)
    image = Image.effect_noise((side, side), 60).convert('RGB')
    out = io.BytesIO()
    image.save(out, 'JPEG', quality=95)
    return out.getvalue()


@contextmanager
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers={'Origin': server.url, 'X-CTP-Request': '1'}, timeout=30) as http:
        sign_in(http, server.url).raise_for_status()
        yield http


def fire_and_kill(server: Server, send: 'callable', delay_ms: float) -> str:  # type: ignore[valid-type]
    outcome: list[str] = []

    def run() -> None:
        try:
            outcome.append(str(send().status_code))
        except httpx.HTTPError as error:
            outcome.append(type(error).__name__)
    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(delay_ms / 1000)
    server.kill()
    thread.join(timeout=30)
    return outcome[0] if outcome else 'no answer'


def open_problem(http: httpx.Client) -> int:
    machines = [m['id'] for m in http.get('/api/ctp-machines').json()]
    response = http.post('/api/ctp-problem-logs', json={'machine_id': random.choice(machines),
                                                         'problem_description': 'bench kill', 'is_stopping': True})
    response.raise_for_status()
    return int(response.json()['id'])


def completion_trial(server: Server, delay_ms: float) -> dict[str, object]:
    with client(server) as http:
        log_id = open_problem(http)
        answer = fire_and_kill(server, lambda: http.put(f'/api/ctp-problem-logs/{log_id}', json={
            'status': 'completed', 'solution': 'replaced the belt', 'resolved_by': 'operator'}), delay_ms)
    server.start()
    return {'kind': 'completion', 'delay_ms': round(delay_ms, 1), 'answer': answer, 'log_id': log_id}


def photo_trial(server: Server, photo: bytes, delay_ms: float) -> dict[str, object]:
    """Kill during a photo report, restart, and look at the photo folder right after the restart's sweep."""
    with client(server) as http:
        machine = http.get('/api/ctp-machines').json()[0]['id']
        answer = fire_and_kill(server, lambda: http.post('/api/ctp-problem-logs', data={
            'machine_id': str(machine), 'problem_description': 'bench kill photo'},
            files=[('photo', ('plate.jpg', photo, 'image/jpeg'))]), delay_ms)
    before = leftovers(server.data_dir)
    server.start()
    after = leftovers(server.data_dir)
    return {'kind': 'photo upload', 'delay_ms': round(delay_ms, 1), 'answer': answer,
            'orphans_before_restart': before, 'orphans_right_after_restart': after}


def leftovers(folder: Path) -> int:
    """Files in the photo folder that no row names (temporary files included)."""
    with sqlite3.connect(folder / 'ctp-log.sqlite3') as conn:
        names = {n for row in conn.execute('SELECT stored_name, thumb_name FROM problem_photos') for n in row}
    photo_dir = folder / 'photos'
    return len({p.name for p in photo_dir.iterdir() if p.is_file()} - names) if photo_dir.exists() else 0


def photos_supported(server: Server, photo: bytes) -> bool:
    with client(server) as http:
        machine = http.get('/api/ctp-machines').json()[0]['id']
        response = http.post('/api/ctp-problem-logs', data={'machine_id': str(machine),
                                                             'problem_description': 'bench photo probe'},
                             files=[('photo', ('plate.jpg', photo, 'image/jpeg'))])
    return response.status_code == 201 and PHOTO_REFUSED not in response.text


def check(db: Path, photo_dir: Path) -> dict[str, object]:
    conn = sqlite3.connect(db)
    q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
    tables = {r[0] for r in q("SELECT name FROM sqlite_master WHERE type='table'")}
    result: dict[str, object] = {
        'integrity_check': q('PRAGMA integrity_check')[0][0],
        'foreign_key_violations': len(q('PRAGMA foreign_key_check')),
        'half_completions': q("SELECT count(*) FROM ctp_problem_logs WHERE (status = 'completed') != "
                              "(end_time IS NOT NULL AND solution IS NOT NULL)")[0][0],
        'closed_with_running_segment': q("SELECT count(*) FROM ctp_problem_logs p JOIN downtime_segments d ON "
                                         "d.log_id = p.id WHERE d.up_at IS NULL AND p.status IN "
                                         "('completed', 'cancelled')")[0][0],
        'machine_status_mismatch': q("SELECT count(*) FROM ctp_machines m WHERE (m.status = 'down') != EXISTS "
                                     "(SELECT 1 FROM ctp_problem_logs p WHERE p.machine_id = m.id AND p.status IN "
                                     "('open', 'in_progress') AND p.is_stopping AND NOT p.is_planned "
                                     "AND p.deleted_at IS NULL)")[0][0],
    }
    if 'problem_photos' in tables:
        names = {n for row in q('SELECT stored_name, thumb_name FROM problem_photos') for n in row}
        files = {p.name for p in photo_dir.rglob('*') if p.is_file()}
        result.update(photo_rows=len(q('SELECT id FROM problem_photos')), photo_files=len(files),
                      orphan_files=sorted(files - names)[:5], rows_without_file=sorted(names - files)[:5])
    conn.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--trials', type=int, default=5)
    parser.add_argument('--port', type=int, default=8368)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix='ctp-kill-'))
    server = Server(folder, args.port)
    rng = random.Random(9)
    trials = []
    try:
        server.start()
        print(machine_line())
        for _ in range(args.trials):
            trials.append(completion_trial(server, rng.uniform(0, 15)))
            print(json.dumps(trials[-1]), flush=True)
        photo = jpeg()
        with_photos = photos_supported(server, photo)
        for _ in range(args.trials if with_photos else 0):
            trials.append(photo_trial(server, photo, rng.uniform(30, 700)))
            print(json.dumps(trials[-1]), flush=True)
        result = check(folder / 'ctp-log.sqlite3', folder / 'photos')   # right after the last restart
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps({'photo_uploads_tested': with_photos, **result}))


if __name__ == '__main__':
    main()
