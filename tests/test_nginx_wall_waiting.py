"""deploy/nginx/ctp-log.conf, run for real with no app server up: a wall screen gets a page that tries again by
itself, never nginx's dead 502 page; everything else still gets the plain 502. (No app, no PostgreSQL: fast.)"""
import ssl
import time
from pathlib import Path

import httpx
import pytest

from tests.browser.server import free_port
from tests.nginx_site import nginx_conf, self_signed, start_nginx, write_site
from tests.test_nginx_proxy import require_nginx


@pytest.mark.slow
def test_a_wall_screen_behind_nginx_waits_on_a_page_that_reloads_itself_while_no_app_answers(tmp_path: Path) -> None:
    require_nginx()
    tmp, port, plain = tmp_path / 'nginx', free_port(), free_port()
    tmp.mkdir()
    cert, key = self_signed(tmp)
    down = (free_port(), free_port())  # both app servers down: nothing listens on their ports
    conf = nginx_conf(tmp, write_site(tmp, down, port, plain, cert, key))
    process = start_nginx(tmp, conf)
    base = f'https://127.0.0.1:{port}'
    try:
        with httpx.Client(base_url=base, verify=ssl.create_default_context(cafile=str(cert)), timeout=5) as client:
            deadline = time.monotonic() + 15
            while True:
                assert process.poll() is None, process.stderr.read().decode() if process.stderr else 'nginx exited'
                try:
                    wall = client.get('/display?chime=1')
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, 'nginx did not start'
                    time.sleep(0.1)
            assert wall.status_code == 503
            assert '<meta http-equiv="refresh" content="10">' in wall.text  # loads /display again by itself
            assert client.get('/').status_code == 502  # other screens: nginx's own answer, as before
    finally:
        process.terminate()
        process.wait(10)
