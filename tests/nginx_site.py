"""deploy/nginx/ctp-log.conf run for real: the shipped file with only what a plant edits replaced (upstream addresses,
listen ports, certificate paths), a minimal nginx.conf around it with temporary paths, nginx started and awaited.

Shared by tests/test_nginx_proxy.py, tests/test_nginx_wall_waiting.py and bench/cluster.py (no pytest here).
"""
import os
import shutil
import ssl
import subprocess
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / 'deploy' / 'nginx' / 'ctp-log.conf'
NGINX = os.environ.get('CTP_NGINX') or shutil.which('nginx') or '/usr/sbin/nginx'


def self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / 'cert.pem', tmp / 'key.pem'
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
                    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', str(key), '-out', str(cert)],
                   check=True, capture_output=True)
    return cert, key


def render(text: str, replacements: dict[str, str]) -> str:
    """The shipped config with only the plant-specific values replaced (each must occur, or the file changed)."""
    for old, new in replacements.items():
        assert old in text, f'{old!r} is no longer in {CONF.name}: update the test'
        text = text.replace(old, new)
    return text


def write_site(tmp: Path, upstreams: tuple[int, int], port: int, plain_port: int, cert: Path, key: Path) -> Path:
    """The site file for two app processes on 127.0.0.1 (`a` and `b` of the sticky cookie, in this order), HTTPS on
    `port` and the plain-HTTP redirect on `plain_port`."""
    site = tmp / 'ctp-log.conf'
    site.write_text(render(CONF.read_text(), {
        '10.0.0.11:8080': f'127.0.0.1:{upstreams[0]}', '10.0.0.12:8080': f'127.0.0.1:{upstreams[1]}',
        'listen 443 ssl': f'listen 127.0.0.1:{port} ssl', 'listen 80;': f'listen 127.0.0.1:{plain_port};',
        '/etc/ssl/ctp/fullchain.pem': str(cert), '/etc/ssl/ctp/privkey.pem': str(key)}))
    return site


def nginx_conf(tmp: Path, site: Path, worker_connections: int = 256) -> Path:
    """A minimal nginx.conf around the site file: temp paths and an access log with nginx's request id. A proxied
    websocket holds two connections (more than 256 also raise the worker's open-file limit to match)."""
    temp_paths = '\n'.join(f'    {name}_temp_path {tmp / name};' for name in
                           ('client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'))
    user = 'user root;\n' if os.geteuid() == 0 else ''  # as root, workers would be `nobody`, locked out of tmp
    files = f'worker_rlimit_nofile {2 * worker_connections + 64};\n' if worker_connections > 256 else ''
    conf = tmp / 'nginx.conf'
    conf.write_text(f'{user}worker_processes 1;\n{files}events {{ worker_connections {worker_connections}; }}\n'
                    f"http {{\n    log_format ctp '$request_id $status $upstream_addr \"$request\"';\n"
                    f'    access_log {tmp / "access.log"} ctp;\n{temp_paths}\n    include {site};\n}}\n')
    return conf


def check_config(tmp: Path, conf: Path) -> subprocess.CompletedProcess[str]:
    """`nginx -t` on the files (returncode 0, or the reason in stderr)."""
    return subprocess.run([NGINX, '-t', '-p', str(tmp), '-c', str(conf), '-g', f'error_log {tmp / "error.log"};'],
                          capture_output=True, text=True)


def start_nginx(tmp: Path, conf: Path) -> subprocess.Popen[bytes]:
    """nginx in the foreground (terminate() stops it), its pid file and error log in `tmp`."""
    return subprocess.Popen([NGINX, '-p', str(tmp), '-c', str(conf), '-g',
                             f'daemon off; pid {tmp / "nginx.pid"}; error_log {tmp / "error.log"};'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_healthy(process: subprocess.Popen[bytes], base: str, verify: ssl.SSLContext | bool,
                 timeout: float = 15) -> None:
    """Until /healthz through nginx answers 200 (AssertionError when nginx exits or does not answer in time)."""
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else 'nginx exited'
        try:
            if httpx.get(f'{base}/healthz', verify=verify, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            assert time.monotonic() < deadline, 'nginx did not start'
            time.sleep(0.1)
