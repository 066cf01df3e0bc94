"""A machine's running stop as the rest of the app sees it: read by the stop rules (stops.py) and by a person's
report, which joins it (problem_logs.report_problem); and the note a person adds to the stop's problem."""
from sqlalchemy import select
from sqlmodel import Session, col

from app.db import select_rows
from app.models import CTPProblemLog, MachineStop


def open_stop(session: Session, machine_id: int) -> MachineStop | None:
    return select_rows(session, select(MachineStop).where(col(MachineStop.machine_id) == machine_id,
                                                          col(MachineStop.ended_at).is_(None))
                        .order_by(col(MachineStop.started_at).desc())).scalars().first()


def described(log: CTPProblemLog, note: str | None) -> str:
    """The stop's problem description with a person's note in front (once)."""
    note = (note or '').strip()
    if not note or note in log.problem_description:
        return log.problem_description
    return f'{note}\n\n{log.problem_description}'[:4000]
