"""Operations: the database health check, Prometheus metrics and structured logs with a request id.

No web framework here: app/api/routes/ops.py serves /healthz and /metrics, app/api/request_id.py sets the
request id and records the request metrics, main.py registers the connected-clients callback and the garbage
collector's tuning.
"""
import contextvars
import gc
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col

from app.db import get_engine, read_session, select_rows
from app.models import OPEN_STATUSES, CTPMachine, CTPProblemLog

logger = logging.getLogger(__name__)
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar('ctp_request_id', default='-')
REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter('ctp_http_requests', 'HTTP requests by route template, method and status',
                   ['route', 'method', 'status'], registry=REGISTRY)
LATENCY = Histogram('ctp_http_request_duration_seconds', 'HTTP request latency by route template',
                    ['route', 'method'], registry=REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
CLIENTS = Gauge('ctp_connected_clients', 'NiceGUI clients with a live socket connection', registry=REGISTRY)
_health_lock = threading.Lock()


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(route, method, str(status)).inc()
    LATENCY.labels(route, method).observe(seconds)


def count_clients_with(counter: Callable[[], int]) -> None:
    """main.py hands in `len(connected NiceGUI clients)`; app/ never imports NiceGUI's UI."""
    CLIENTS.set_function(counter)


class OpenProblemsCollector(Collector):
    """ctp_open_problems{machine_status}: open or in-progress problems, by their machine's status, per scrape."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield self._family()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = self._family()
        try:
            with read_session() as session:
                rows = select_rows(
                    session, select(col(CTPMachine.status), func.count(col(CTPProblemLog.id)))
                    .join(CTPMachine, col(CTPMachine.id) == CTPProblemLog.machine_id)
                    .where(col(CTPProblemLog.status).in_(OPEN_STATUSES), col(CTPProblemLog.deleted_at).is_(None))
                    .group_by(col(CTPMachine.status))).all()
        except SQLAlchemyError:
            logger.warning('metrics: open problems not readable (database unreachable)')
            return
        for status, count in rows:
            family.add_metric([str(status)], float(count))
        yield family

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily('ctp_open_problems', 'Open problems by machine status', labels=['machine_status'])


REGISTRY.register(OpenProblemsCollector())


def metrics_text() -> bytes:
    """The Prometheus exposition (blocking: it queries the database)."""
    return generate_latest(REGISTRY)


def check_database() -> bool:
    """True when `SELECT 1` succeeds; False at once while an earlier check still hangs (threads never pile up)."""
    if not _health_lock.acquire(blocking=False):
        return False
    try:
        with get_engine().connect() as conn:
            conn.execute(text('SELECT 1'))
        return True
    finally:
        _health_lock.release()


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


CONTROL = re.compile('[\x00-\x1f\x7f\x85\u2028\u2029]')
QUERY = re.compile(r'\?\S*')


class TextFormatter(logging.Formatter):
    """One record, one line: control characters a client put in a path or a name are escaped (no forged lines,
    no NUL bytes); a traceback below the line stays as it is."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        return CONTROL.sub(lambda match: f'\\x{ord(match.group()):02x}', super().formatMessage(record))


class NotFoundWithoutQuery(logging.Filter):
    """NiceGUI's "<url> not found" warning without the query string (a mistyped pairing link carries its code)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.levelno == logging.WARNING and message.endswith(' not found'):
            record.msg, record.args = QUERY.sub('', message[:-len(' not found')]) + ' not found', None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {'time': time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(record.created)) + f'.{record.msecs:03.0f}Z',
                 'level': record.levelname, 'logger': record.name, 'message': record.getMessage(),
                 'request_id': getattr(record, 'request_id', '-')}
        if record.exc_info:
            entry['exception'] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


# Python's collector scans every tracked object in a full (generation 2) pass, on the event loop: with many page
# clients a pass took 130-375 ms, and ~230,000 of the objects it scanned were the imported modules' own, alive for
# the whole process (docs/BENCHMARKS.md, "The garbage collector"). Larger thresholds made the
# passes rarer but let closed pages' garbage pile up (RSS grew 105 MB over ten cycles of 50 screens): not taken.


def keep_files_private(data_dir: Path) -> None:
    """The server's files are its own (SECURITY.md): the data folder (database, photos, sessions, the storage
    secret) is 0700 whatever was there before, and everything the process creates from now on is 0600 / 0700."""
    os.umask(0o077)
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)


def tune_garbage_collector() -> None:
    """At startup, after the imports and the bootstrap: move everything that lives for the whole process out of the
    collector's scans (`gc.freeze`); collection thresholds stay Python's, so closed pages are reclaimed as before."""
    gc.collect()
    gc.freeze()
    logger.info('garbage collector: %d start-up objects frozen out of its scans', gc.get_freeze_count())


def configure_logging(*, as_json: bool, level: int = logging.INFO) -> None:
    """Root logging: one line per record, JSON (CTP_LOG_JSON=1) or text, always with the request id."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.addFilter(NotFoundWithoutQuery())
    handler.setFormatter(JsonFormatter() if as_json else TextFormatter(
        '%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s'))
    handler.set_name('ctp')
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == 'ctp']:  # idempotent; other handlers (pytest) stay
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
