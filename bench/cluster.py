"""Two app processes on one PostgreSQL behind nginx with the shipped deploy/nginx/ctp-log.conf, for the benches.

`Cluster.start()`: a throwaway PostgreSQL cluster (scripts/pg-throwaway.sh, held by a bash process that removes it
when this process closes its stdin or dies) with a fresh database (or `database_url`, an empty database), app
process `a` (seeds the demo plant) then `b` on it, each with its own data folder and the environment
docs/DEPLOYMENT.md sets behind nginx, then nginx over HTTPS (a self-signed certificate) in front of them, the site
file written as tests/test_nginx_proxy.py writes it (tests/nginx_site.py). `a` and `b` are also the values of the
sticky `ctp_node` cookie that pins a client to that process. `stop()` ends everything and is safe to call twice.
"""
import json
import subprocess
import time
from pathlib import Path

import sqlalchemy
from sqlalchemy.engine import make_url

from app.backup import BackupError, pg_tool
from app.config import get_settings
from bench.common import ROOT, Server
from tests.nginx_site import check_config, nginx_conf, self_signed, start_nginx, wait_healthy, write_site

DATABASE = 'ctp_bench'
# bash holds the cluster: started by the sourced script, stopped (pg_throwaway_stop) when stdin reaches its end
HOLD = ('source scripts/pg-throwaway.sh "$1" || exit 1; trap pg_throwaway_stop EXIT; trap "exit 143" INT TERM; '
        'echo "url=$CTP_TEST_DATABASE_URL"; read -r _ || true')


def pg_bin() -> Path:
    """PostgreSQL's server binaries: the folder of `initdb` as the backup finds its tools (CTP_PG_BIN, the PATH,
    else the newest /usr/lib/postgresql/*/bin)."""
    try:
        return Path(pg_tool(get_settings(), 'initdb')).resolve().parent  # a symlink on the PATH: its real folder
    except BackupError as error:
        raise RuntimeError(f'{error}, or pass --database-url') from None


class Postgres:
    """A throwaway cluster; `start()` returns its URL (the `postgres` database)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> str:
        # its own session: a Ctrl-C in the terminal reaches only this process, whose clean-up then stops the cluster
        self.process = subprocess.Popen(['bash', '-c', HOLD, 'pg-throwaway', str(self.bin_dir)], cwd=ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, start_new_session=True)
        assert self.process.stdout is not None
        output = []
        for line in self.process.stdout:
            if line.startswith('url='):
                return line.removeprefix('url=').strip()
            output.append(line)
        raise RuntimeError('PostgreSQL did not start: ' + ''.join(output)[-3000:])

    def stop(self) -> None:
        if self.process is None:
            return
        assert self.process.stdin is not None
        self.process.stdin.close()  # the end of its input: pg_throwaway_stop, then bash exits
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            self.process.wait(30)
        self.process = None


def create_database(url: str, name: str = DATABASE) -> str:
    engine = sqlalchemy.create_engine(url, isolation_level='AUTOCOMMIT')
    try:
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text(f'CREATE DATABASE {name}'))
    finally:
        engine.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def wait_for_listeners(url: str, pids: list[int], timeout: float = 30) -> None:
    """Until every app process has its LISTEN connection (app/bus.py), so that a change made on one reaches the
    other's screens."""
    engine = sqlalchemy.create_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as connection:
                names: list[str] = list(connection.execute(sqlalchemy.text(
                    "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE 'ctp-bus-listen:%'"
                )).scalars())
            missing = [pid for pid in pids if not any(n.startswith(f'ctp-bus-listen:{pid}-') for n in names)]
            if not missing:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f'no LISTEN connection from the app processes {missing}')
            time.sleep(0.2)
    finally:
        engine.dispose()


class Cluster:
    """Ports: the apps on `port` (a) and `port + 1` (b), nginx on `port + 2` (HTTPS) and `port + 3` (plain)."""

    def __init__(self, folder: Path, port: int, database_url: str | None = None, worker_connections: int = 4096,
                 pg_bin_dir: Path | None = None) -> None:
        self.folder, self.port, self.database_url = folder, port, database_url
        self.worker_connections = worker_connections
        self.base = f'https://127.0.0.1:{port + 2}'
        self.postgres = None if database_url else Postgres(pg_bin_dir or pg_bin())
        self.servers: list[Server] = []
        self.nginx: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if self.postgres is not None:
            self.database_url = create_database(self.postgres.start())
        assert self.database_url
        behind_nginx = {'CTP_PUBLIC_ORIGINS': json.dumps([self.base]), 'CTP_TRUSTED_PROXIES': '["127.0.0.1"]'}
        for index, name in enumerate('ab'):  # `a` migrates and seeds the demo plant; `b` starts on it afterwards
            server = Server(self.folder / name, self.port + index, demo=name == 'a', database_url=self.database_url,
                            extra_env=behind_nginx)
            self.servers.append(server)
            server.start()
        wait_for_listeners(self.database_url, [s.process.pid for s in self.servers if s.process])
        tmp = self.folder / 'nginx'
        tmp.mkdir(parents=True)
        cert, key = self_signed(tmp)
        site = write_site(tmp, (self.port, self.port + 1), self.port + 2, self.port + 3, cert, key)
        conf = nginx_conf(tmp, site, self.worker_connections)
        check = check_config(tmp, conf)
        if check.returncode != 0:
            raise RuntimeError(f'nginx -t: {check.stderr}')
        self.nginx = start_nginx(tmp, conf)
        wait_healthy(self.nginx, self.base, verify=False)

    def describe(self) -> str:
        assert self.database_url
        return (f'cluster: nginx {self.base} (deploy/nginx/ctp-log.conf) -> a {self.servers[0].url}, '
                f'b {self.servers[1].url}; PostgreSQL {make_url(self.database_url).render_as_string()}'
                + (' (throwaway, fsync off)' if self.postgres else ''))

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.terminate()
            try:
                self.nginx.wait(10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait()
            self.nginx = None
        for server in self.servers:
            server.stop()
        self.servers = []
        if self.postgres is not None:
            self.postgres.stop()
