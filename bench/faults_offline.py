"""Fault: a tablet's connection dropped for 90 s in the middle of the report form; nothing typed may be lost.

`python -m bench.faults_offline [--offline 90]` runs the app (`main.py`, demo plant), opens the report form of an
idle machine in headless Chromium (signed in as the admin), picks a subsystem and types the first half of a
description, goes offline (Playwright context.set_offline), types the second half while offline, stays offline
for the given time, comes back, and checks: the text is still in the field, the server's draft has it (a second
tab of the same device restores it), and 'Machine DOWN' saves exactly that description.
"""
import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

from bench.common import ADMIN_PASSWORD, CHROMIUM, CHROMIUM_ARGS, Server, machine_line, sign_in

FIRST = 'Plates come out with a faint stripe on the left edge.'
SECOND = ' Typed while the Wi-Fi was gone: stripe moves with the drum speed.'
FIELD = 'What happened?'


def socket_connected(page: Page) -> bool:
    return bool(page.evaluate('() => !!(window.socket && window.socket.connected)'))


def run(server: Server, offline_s: float) -> dict[str, object]:
    result: dict[str, object] = {'offline_s': offline_s}
    with httpx.Client(base_url=server.url, headers={'Origin': server.url, 'X-CTP-Request': '1'}, timeout=30) as http, \
            sync_playwright() as pw:
        sign_in(http, server.url).raise_for_status()
        idle = next(m['id'] for m in http.get('/api/ctp-machines').json() if m['open_problem_count'] == 0)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={'width': 1280, 'height': 800}, has_touch=True)
        page = context.new_page()
        page.goto(server.url + '/login')
        context.request.post(server.url + '/api/auth/login', headers={'Origin': server.url, 'X-CTP-Request': '1'},
                              data={'username': 'admin', 'password': ADMIN_PASSWORD})
        page.goto(f'{server.url}/machines/{idle}/report')
        page.locator('button').filter(has_text='Imaging').first.click()
        field = page.get_by_label(FIELD)
        field.fill(FIRST)
        time.sleep(1.5)  # past the input debounce: the first half is on the server
        context.set_offline(True)
        time.sleep(2)
        result['socket_connected_while_offline'] = socket_connected(page)
        field.fill(FIRST + SECOND)
        time.sleep(offline_s)
        context.set_offline(False)
        deadline = time.monotonic() + 60
        while not socket_connected(page) and time.monotonic() < deadline:
            time.sleep(0.25)
        result['reconnected_s'] = round(60 - (deadline - time.monotonic()), 1)
        time.sleep(2)
        result['text_in_field'] = page.get_by_label(FIELD).input_value() == FIRST + SECOND
        second = context.new_page()
        second.goto(f'{server.url}/machines/{idle}/report')
        result['draft_restored_in_new_tab'] = second.get_by_label(FIELD).input_value() == FIRST + SECOND
        second.close()
        page.get_by_role('button', name='Machine DOWN').click()
        page.wait_for_url('**/problem-logs/*', timeout=30_000)
        log_id = int(page.url.rstrip('/').split('/')[-1])
        saved = http.get(f'/api/ctp-problem-logs/{log_id}').json()
        result['saved_description_complete'] = saved['problem_description'] == FIRST + SECOND
        browser.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--offline', type=float, default=90)
    parser.add_argument('--port', type=int, default=8374)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix='ctp-offline-'))
    server = Server(folder, args.port)
    try:
        server.start()
        print(machine_line())
        if httpx.get(f'{server.url}/machines/1/report', follow_redirects=False).status_code == 404:
            raise SystemExit('this build has no report form page (issue 6)')
        result = run(server, args.offline)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
