"""What one ingest transaction knows and will write: its machines' state read once, its rows inserted at once.

A batch reads, in one statement, every link of its messages with its machine's newest signal time, whether the
machine has an open stop and its counters' latest values; the messages then decide from that (ingest.store) and
their signals and meter readings are inserted together at the end. Only the rare message that opens or ends a
stop needs an ORM session (the problem-log services): in the receiver's batch it gets its own, inside a
SAVEPOINT of the batch (`db`), so a message that fails rolls back only itself (`undo`).

The state is valid while this transaction is the machines' only ingest writer: SQLite's write lock, and on
PostgreSQL the machines' row locks (`lock_machines`). Machine stops, signals and readings are written by ingest only.
"""
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, exists, func, insert, select, update
from sqlalchemy.engine import NestedTransaction
from sqlmodel import Session, col

from app.models import CTPMachine, DeviceLink, JmfSignal, MachineStop, MeterReading
from app.services.jmf.counters import METERS


@dataclass
class MachineState:
    latest: datetime | None              # newest stored signal time
    has_stop: bool                       # an open machine stop
    counters: dict[str, float]           # each meter's latest value


@dataclass(frozen=True)
class LinkState:
    sender_id: str
    device_id: str
    machine_id: int


@dataclass
class Batch:
    """The receiver's batch runs on `connection`; the one-message path (ingest.ingest) on its `session`."""

    connection: Connection | None = None
    session: Session | None = None
    links: dict[int, LinkState] = field(default_factory=dict)
    machines: dict[int, MachineState] = field(default_factory=dict)
    signals: list[dict[str, Any]] = field(default_factory=list)
    readings: list[dict[str, Any]] = field(default_factory=list)
    pending: set[tuple[int, datetime, str, str]] = field(default_factory=set)  # (machine, at, status, details)
    received: dict[int, datetime] = field(default_factory=dict)  # link: its latest stored message
    errors: dict[int, str] = field(default_factory=dict)  # link: why its last message could not be read
    _message: tuple[Session, NestedTransaction] | None = None
    _undo: tuple[int, int, LinkState | None, MachineState | None, datetime | None] = (0, 0, None, None, None)

    def read(self, link_ids: set[int]) -> None:
        """The links and their machines' state, in one statement (links already read are kept)."""
        wanted = link_ids - set(self.links)
        if wanted:
            for row in self._connection().execute(_state_query(wanted)):
                link = LinkState(row.sender_id, row.device_id, row.machine_id)
                self.links[row.id] = link
                meters = {meter: getattr(row, meter) for meter in METERS if getattr(row, meter) is not None}
                self.machines.setdefault(link.machine_id, MachineState(row.latest, bool(row.has_stop), meters))

    def db(self) -> Session:
        """The session for work the problem-log services do (in the receiver: this message's own savepoint)."""
        if self.session is not None:
            return self.session
        if self._message is None:
            connection = self._connection()
            self._message = (Session(bind=connection, join_transaction_mode='create_savepoint',
                                     expire_on_commit=False), connection.begin_nested())
        return self._message[0]

    def begin_message(self, link_id: int) -> None:
        """Remember where the message starts, to undo it alone."""
        link = self.links.get(link_id)
        machine = self.machines.get(link.machine_id) if link is not None else None
        saved = replace(machine, counters=dict(machine.counters)) if machine is not None else None
        self._undo = (len(self.signals), len(self.readings), link, saved, self.received.get(link_id))

    def end_message(self) -> None:
        """The message succeeded: its session's work is kept (released into the batch)."""
        if self._message is not None:
            session, savepoint = self._message
            self._message = None
            try:
                session.commit()
            except BaseException:
                session.close()
                savepoint.rollback()
                raise
            session.close()
            savepoint.commit()

    def undo(self, link_id: int) -> None:
        """The message failed: its session's work, its rows and what it changed of its machine's state go."""
        if self._message is not None:
            session, savepoint = self._message
            self._message = None
            session.close()
            savepoint.rollback()
        signals, readings, link, machine, received = self._undo
        del self.signals[signals:], self.readings[readings:]
        self.pending = {(row['machine_id'], row['at'], row['device_status'], row['status_details'])
                        for row in self.signals}
        if link is not None and machine is not None:
            self.machines[link.machine_id] = machine
        if received is None:
            self.received.pop(link_id, None)
        else:
            self.received[link_id] = received

    def write(self) -> None:
        """The batch's signals, its readings, its links' last signal and last error: one statement each."""
        connection = self._connection()
        if self.signals:
            connection.execute(insert(JmfSignal), self.signals)
        if self.readings:
            connection.execute(insert(MeterReading), self.readings)
        if self.received:
            connection.execute(update(DeviceLink).where(col(DeviceLink.id) == bindparam('link'))
                               .values(last_signal_at=bindparam('at'), last_error=None),
                               [{'link': link_id, 'at': at} for link_id, at in self.received.items()])
        if self.errors:
            connection.execute(update(DeviceLink).where(col(DeviceLink.id) == bindparam('link'))
                               .values(last_error=bindparam('error')),
                               [{'link': link_id, 'error': error} for link_id, error in self.errors.items()])
        self.signals, self.readings, self.pending, self.received, self.errors = [], [], set(), {}, {}


    def _connection(self) -> Connection:
        if self.session is not None:
            return self.session.connection()  # a fresh one after each of the services' commits
        assert self.connection is not None
        return self.connection


def lock_machines(connection: Connection, machine_ids: set[int]) -> None:
    """One ingest writer per machine at a time across app processes (PostgreSQL), so the state a batch read stays
    true: sorted, so two writers never deadlock; FOR NO KEY UPDATE as the roll-up takes it (app/services/
    rollup.py). SQLite's BEGIN IMMEDIATE already made this transaction the only writer."""
    if machine_ids and connection.dialect.name != 'sqlite':
        connection.execute(select(col(CTPMachine.id)).where(col(CTPMachine.id).in_(machine_ids))
                           .order_by(col(CTPMachine.id)).with_for_update(key_share=True))


def _state_query(link_ids: set[int]) -> Any:
    machine = col(DeviceLink.machine_id)
    latest = select(func.max(col(JmfSignal.at))).where(col(JmfSignal.machine_id) == machine).scalar_subquery()
    has_stop = exists().where(col(MachineStop.machine_id) == machine, col(MachineStop.ended_at).is_(None))
    meters = [select(col(MeterReading.value)).where(col(MeterReading.machine_id) == machine,
                                                    col(MeterReading.meter) == meter)
              .order_by(col(MeterReading.at).desc(), col(MeterReading.id).desc()).limit(1)
              .scalar_subquery().label(meter) for meter in METERS]
    return select(col(DeviceLink.id), col(DeviceLink.sender_id), col(DeviceLink.device_id), machine,
                  latest.label('latest'), has_stop.label('has_stop'), *meters) \
        .where(col(DeviceLink.id).in_(link_ids))

