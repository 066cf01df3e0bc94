"""The receiver's group commit: status messages that arrive together are stored in one transaction.

Every app process has one ingest writer, a thread that drains a queue of parsed messages: one transaction per batch
(on SQLite one write lock and one sync to disk for many messages, instead of one each). Each message is its own
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
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime

from app import events
from app.db import get_engine
from app.services.jmf import ingest
from app.services.jmf.batch import Batch, lock_machines
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
    """The jobs in one transaction, each message on its own (a failing one is undone alone); outcomes are set
    after the commit."""
    news: list[events.Change] = []
    with get_engine().connect() as connection:
        with connection.begin():
            lock_machines(connection, {job.machine_id for job in jobs})
            batch = Batch(connection)
            batch.read({job.link_id for job in jobs})
            outcomes = [_one(batch, job, news) for job in jobs]
            batch.write()
    ingest.announce(news, [outcome for outcome in outcomes if not isinstance(outcome, Exception)])
    for job, outcome in zip(jobs, outcomes, strict=True):
        if isinstance(outcome, Exception):
            job.outcome.set_exception(outcome)
        else:
            job.outcome.set_result(outcome)


def _one(batch: Batch, job: Job, news: list[events.Change]) -> ingest.IngestResult | Exception:
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
