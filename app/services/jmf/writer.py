"""The receiver's group commit: status messages that arrive together are stored in one transaction.

Every app process has one ingest writer, a thread that drains a queue of parsed messages: one transaction per batch
(on SQLite one write lock and one sync to disk for many messages, instead of one each). Each message is its own
SAVEPOINT: one that fails rolls back only itself and its request gets its JMF error; the others are committed
together, and every request answers after its message's outcome is known and committed (the ReturnCode stays
true per message). The services' commits inside a message release savepoints of the batch (SQLAlchemy's
"join_transaction_mode=create_savepoint"), and their news is held until the batch is committed.

Several processes: on SQLite the batch's BEGIN IMMEDIATE makes it the only writer; on PostgreSQL the batch locks
its machines' rows first (ingest.lock_machines, in id order), so one machine's signals are never applied by two
writers at once (one open stop per machine).
"""
import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection
from sqlmodel import Session

from app import events
from app.db import get_engine
from app.services.jmf import ingest
from app.services.jmf.messages import Message

logger = logging.getLogger(__name__)
MAX_BATCH = 250  # messages per transaction


@dataclass
class Job:
    link_id: int
    machine_id: int
    message: Message
    received_at: datetime
    outcome: 'Future[ingest.IngestResult]' = field(default_factory=Future)


class Writer:
    """One thread storing queued messages in batches; started on the first message."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    def submit(self, *, link_id: int, machine_id: int, message: Message,
               received_at: datetime) -> 'Future[ingest.IngestResult]':
        job = Job(link_id, machine_id, message, received_at)
        self._start()
        self._queue.put(job)
        return job.outcome

    def _start(self) -> None:
        with self._starting:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name='jmf-ingest-writer', daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
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


def submit(*, link_id: int, machine_id: int, message: Message, received_at: datetime) -> 'Future[ingest.IngestResult]':
    """Queue a message for this process's writer; the future holds its result once the batch is committed."""
    return _writer.submit(link_id=link_id, machine_id=machine_id, message=message, received_at=received_at)


def store_batch(jobs: list[Job]) -> None:
    """The jobs in one transaction, each in its own savepoint; outcomes are set after the commit."""
    outcomes: list[ingest.IngestResult | Exception] = []
    news: list[events.Change] = []
    known = ingest.Known()
    with get_engine().connect() as conn:
        with conn.begin():
            with _session(conn) as session:
                ingest.lock_machines(session, {job.machine_id for job in jobs})
                session.commit()
            outcomes = [_one(conn, job, known, news) for job in jobs]
            received: dict[int, datetime] = {}
            for job, outcome in zip(jobs, outcomes, strict=True):
                if not isinstance(outcome, Exception):
                    received[job.link_id] = max(job.received_at, received.get(job.link_id, job.received_at))
            with _session(conn) as session:
                ingest.touch_links(session, received)
                session.commit()
    ingest.announce(news, [outcome for outcome in outcomes if not isinstance(outcome, Exception)])
    for job, outcome in zip(jobs, outcomes, strict=True):
        if isinstance(outcome, Exception):
            job.outcome.set_exception(outcome)
        else:
            job.outcome.set_result(outcome)


def _one(conn: Connection, job: Job, known: ingest.Known, news: list[events.Change]) -> ingest.IngestResult | Exception:
    savepoint = conn.begin_nested()
    try:
        with events.held() as held, _session(conn) as session:
            result = ingest.store(session, link_id=job.link_id, message=job.message, received_at=job.received_at,
                                  known=known)
            session.commit()
    except Exception as error:  # this message only: its savepoint goes, the batch goes on
        savepoint.rollback()
        known.forget(job.machine_id, job.link_id)
        return error
    savepoint.commit()
    news.extend(held)
    return result


def _session(conn: Connection) -> Session:
    """A session inside the batch's transaction: its commit releases a savepoint, its rollback returns to it."""
    return Session(bind=conn, join_transaction_mode='create_savepoint', expire_on_commit=False)
