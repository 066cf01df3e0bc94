"""The receiver's group commit: status messages that arrive together are stored in one transaction.

Every app process has one ingest writer, a thread that drains a queue of received messages: one transaction per
batch (on SQLite one write lock and one sync to disk for many messages, instead of one each), in which the
messages' links are found by their secrets in one query and the messages read (the request itself needs no
worker thread and no database session of its own). Each message is its own
unit: one that fails is undone alone (its rows dropped, its SAVEPOINT rolled back) and its request gets its JMF
error; the others are committed together, and every request answers after its message's outcome is known and
committed (the ReturnCode stays true per message). A batch reads its machines' state once and inserts its rows
at once (batch.py); the problem-log services' commits inside a message release savepoints of the batch
(SQLAlchemy's "join_transaction_mode=create_savepoint"), and their news is held until the batch is committed.

Several processes: on SQLite the batch's BEGIN IMMEDIATE makes it the only writer; on PostgreSQL the batch locks
its machines' rows first (batch.lock_machines, in id order), so one machine's signals are never applied by two
writers at once (one open stop per machine).
"""
import logging
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection

from app import events
from app.db import get_engine
from app.errors import DomainError
from app.services.jmf import ingest, links
from app.services.jmf.batch import Batch, lock_machines
from app.services.jmf.messages import Message, read_message
from app.services.jmf.safe_xml import Limits, XmlRefused, parse

logger = logging.getLogger(__name__)
MAX_BATCH = 250  # messages per transaction
LINGER_SECONDS = 0.003  # a batch collects what arrives this long after its first message, then what is queued


@dataclass(frozen=True)
class Post:
    """A request as it came: the link's secret, HTTP Basic's user, the sender's address, the body."""

    secret: str
    username: str | None
    address: str | None
    body: bytes
    limits: Limits


@dataclass
class Job:
    """One message: a `post` the batch authenticates and parses, or a link's message already read."""

    received_at: datetime
    post: Post | None = None
    link_id: int = 0
    machine_id: int = 0
    message: Message | None = None
    outcome: 'Future[ingest.IngestResult]' = field(default_factory=Future)


class Writer:
    """One thread storing queued messages in batches; started on the first message."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    def submit(self, job: Job) -> Job:
        self._start()
        self._queue.put(job)
        return job

    def _start(self) -> None:
        with self._starting:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name='jmf-ingest-writer', daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            deadline = time.monotonic() + LINGER_SECONDS
            while len(batch) < MAX_BATCH:
                wait = deadline - time.monotonic()
                try:
                    batch.append(self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                store_batch(batch)
            except Exception as error:  # the batch could not be committed: no message of it was stored
                logger.exception('JMF ingest batch of %d messages failed', len(batch))
                for job in batch:
                    if not job.outcome.done():
                        job.outcome.set_exception(error)


_writer = Writer()


def submit(job: Job) -> Job:
    """Queue a message for this process's writer; `job.outcome` holds its result once the batch is committed (or
    its refusal), `job.message` what was read of it."""
    return _writer.submit(job)


def store_batch(jobs: list[Job]) -> None:
    """The jobs in one transaction, each message on its own (a failing one is undone alone); outcomes are set
    after the commit."""
    news: list[events.Change] = []
    with get_engine().connect() as connection:
        with connection.begin():
            batch = Batch(connection)
            refused = _accept(connection, batch, jobs)
            accepted = [job for job in jobs if id(job) not in refused]
            lock_machines(connection, {job.machine_id for job in accepted})
            batch.read({job.link_id for job in accepted})
            outcomes = {id(job): _one(batch, job, news) for job in accepted}
            batch.write()
    outcomes.update(refused)
    ingest.announce(news, [outcome for outcome in outcomes.values() if not isinstance(outcome, Exception)])
    for job in jobs:
        outcome = outcomes[id(job)]
        if isinstance(outcome, Exception):
            job.outcome.set_exception(outcome)
        else:
            job.outcome.set_result(outcome)


def _accept(connection: Connection, batch: Batch, jobs: list[Job]) -> dict[int, Exception]:
    """Authenticate the posts (one query for the batch) and read their messages; the refused ones, with why. A
    message that cannot be read is kept as its link's last error (the admins' health view)."""
    found = links.active_by_secret(connection, {job.post.secret for job in jobs if job.post is not None})
    refused: dict[int, Exception] = {}  # id(job): why
    for job in jobs:
        if job.post is None:
            continue
        link = found.get(job.post.secret)
        try:
            links.check_sender(link, job.post.address, job.post.username)
            assert link is not None and link.id is not None
            job.link_id, job.machine_id = link.id, link.machine_id
            job.message = read_message(parse(job.post.body, job.post.limits))
        except XmlRefused as error:
            batch.errors[job.link_id] = error.message[:200]
            refused[id(job)] = error
        except DomainError as error:
            refused[id(job)] = error
    return refused


def _one(batch: Batch, job: Job, news: list[events.Change]) -> ingest.IngestResult | Exception:
    assert job.message is not None
    batch.begin_message(job.link_id)
    try:
        with events.held() as held:
            result = ingest.store(batch, link_id=job.link_id, message=job.message, received_at=job.received_at)
            batch.end_message()
    except Exception as error:  # this message only: its savepoint and rows go, the batch goes on
        batch.undo(job.link_id)
        return error
    news.extend(held)
    return result
