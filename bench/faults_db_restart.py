"""Fault: PostgreSQL restarted under a connected wall display; the board must recover by itself and show the truth.

Run inside a throwaway cluster: `source scripts/pg-throwaway.sh /usr/lib/postgresql/15/bin &&
python -m bench.faults_db_restart; pg_throwaway_stop`. Starts the app on that database (demo plant), pairs a
display, opens /display in headless Chromium, restarts PostgreSQL (`pg_ctl restart -m fast`), then reports a
stopping problem through the API on an idle machine (retrying while the database comes back) and waits for its
text to appear on the open board, without touching the page. Also reports /healthz before and after, and the
API answers during the restart.
"""
import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from bench.common import CHROMIUM, CHROMIUM_ARGS, Server, machine_line, sign_in


def pg_ctl(*args: str) -> None:
    command = [str(Path(os.environ['CTP_TEST_PG_BIN']) / 'pg_ctl'), '-D', os.environ['CTP_TEST_PG_DATA'], *args]
    if os.getuid() == 0:
        command = ['runuser', '-u', 'postgres', '--', *command]
    # the restarted postmaster must not inherit our pipes (it would hold them open): log to the cluster's file
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)


def report_until_accepted(http: httpx.Client, machine_id: int, token: str, deadline: float) -> tuple[list[str], float]:
    answers = []
    while time.monotonic() < deadline:
        try:
            body = {'machine_id': machine_id, 'problem_description': token, 'is_stopping': True}
            response = http.post('/api/ctp-problem-logs', json=body, headers={'Idempotency-Key': token})
            answers.append(str(response.status_code))
            if response.status_code in (200, 201):
                return answers, time.time()
        except httpx.HTTPError as error:
            answers.append(type(error).__name__)
        time.sleep(0.5)
    raise RuntimeError(f'the report was never accepted: {answers}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--port', type=int, default=8370)
    args = parser.parse_args()
    url = os.environ.get('CTP_TEST_DATABASE_URL', '')
    if not url.startswith('postgresql'):
        raise SystemExit('source scripts/pg-throwaway.sh first (needs CTP_TEST_DATABASE_URL, CTP_TEST_PG_DATA)')
    folder = Path(tempfile.mkdtemp(prefix='ctp-dbrestart-'))
    server = Server(folder, args.port, database_url=url)
    result: dict[str, object] = {}
    try:
        server.start()
        print(machine_line())
        with httpx.Client(base_url=server.url, headers={'Origin': server.url, 'X-CTP-Request': '1'},
                          timeout=30) as http, \
                sync_playwright() as pw:
            sign_in(http, server.url).raise_for_status()
            pairing = http.post('/api/displays', json={'name': 'bench wall'}).json()['pairing_path']
            idle = next(m['id'] for m in http.get('/api/ctp-machines').json() if m['open_problem_count'] == 0)
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={'width': 1920, 'height': 1080})
            page.goto(server.url + pairing)
            page.wait_for_url(server.url + '/display')
            page.goto(server.url + '/display?per_page=48')
            page.locator('.ctp-tile-name').first.wait_for(timeout=20_000)
            result['healthz_before'] = http.get('/healthz').status_code
            started = time.monotonic()
            pg_ctl('restart', '-m', 'fast', '-w', '-t', '60', '-l',
                   str(Path(os.environ['CTP_TEST_PG_DATA']).parent / 'server.log'))
            result['pg_restart_s'] = round(time.monotonic() - started, 2)
            token = 'after-restart-' + uuid.uuid4().hex[:8]
            answers, accepted = report_until_accepted(http, idle, token, time.monotonic() + 60)
            result['api_answers_after_restart'] = answers
            page.wait_for_function('t => document.body.textContent.includes(t)', arg=token, timeout=90_000)
            result['seconds_from_201_to_board'] = round(time.time() - accepted, 2)
            result['stale_banner_visible'] = page.locator('#ctp-stale').is_visible()
            result['healthz_after'] = http.get('/healthz').status_code
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
