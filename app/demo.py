"""The demo plant for a first start: platesetters, users and twelve months of history following the taxonomy."""
import logging
import random
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from app.config import get_settings
from app.db import select_rows
from app.models import (
    Category,
    CTPMachine,
    CTPProblemLog,
    Division,
    DowntimeSegment,
    OperatingWindow,
    ProblemAudit,
    ResolvedBy,
    Role,
    UserMachine,
    utcnow,
)
from app.models.schemas import ProblemLogCreate
from app.services import downtime, problem_logs, rollup, taxonomy, users
from app.services.access import Actor
from app.services.maintenance import demo_history as maintenance_history

logger = logging.getLogger(__name__)

MACHINES = [
    ('Kodak Magnus Q800', 'Magnus', 'Thermal, 8-up, with MCU autoloader'),
    ('Kodak Trendsetter Q400', 'Trendsetter', 'Thermal, 4-up, manual load'),
    ('Agfa Avalon N8-90', 'Avalon', 'Thermal, 8-up, processless plates'),
    ('Screen PlateRite 8920', 'PlateRite', 'Thermal, 8-up, with single cassette'),
    ('Heidelberg Suprasetter A106', 'Suprasetter', 'Thermal, 6-up, inline punch'),
    ('Fujifilm Luxel T-9800', 'Luxel', 'Thermal, 8-up, with clean-out unit'),
    ('Krause LS Jet 1500', 'LS Jet', 'Violet, newspaper format'),
]
DEMO_USERS = [  # username, name, role, password, machine indexes
    ('manager', 'Maria Manager', Role.MANAGER, 'manager-demo', []),
    ('tech1', 'Tom Technician', Role.CTP_USER, 'tech1-demo', [0, 1, 2, 3]),
    ('tech2', 'Lena Operator', Role.CTP_USER, 'tech2-demo', [3, 4, 5, 6]),
]
DEMO_ADMIN_PASSWORD = 'admin-demo'
# subsystem weights for unplanned problems, and how long each usually takes (minutes)
WEIGHTS = {'Plate loading / autoloader': 30, 'Processor / chemistry': 22, 'Imaging head / laser': 6,
           'Drum / clamping / vacuum': 8, 'Punch / registration': 6, 'Optics / extraction / filters': 5,
           'Plate / consumable defects': 8, 'Electronics / control PC / software': 7,
           'Workflow / RIP / files': 5, 'Utilities / environment': 2, 'Operator error': 4}
DURATION = {'Imaging head / laser': (120, 900), 'Electronics / control PC / software': (20, 240),
            'Drum / clamping / vacuum': (30, 300), 'Punch / registration': (20, 180)}
DESCRIPTIONS = {'Plate jam': 'Plate stuck between cassette and drum; removed by hand.',
                'Banding/streaks': 'Visible banding on 50% tints across the plate.',
                'Chemistry exhausted': 'Developer conductivity low, plates coming out weak.'}


def seed_demo(session: Session, *, admin_username: str, seed: int = 7) -> bool:
    """Load the demo plant into an empty database; False when machines exist already."""
    if select_rows(session, select(func.count()).select_from(CTPMachine)).one()[0]:
        return False
    taxonomy.seed_default_taxonomy(session)
    division = Division(name='Prepress')
    session.add(division)
    machines = [CTPMachine(name=n, nickname=k, description=d, maker_model=n, location='Plate room')
                for n, k, d in MACHINES]
    session.add_all(machines)
    for weekday in range(6):  # two shifts Monday to Saturday, 06:00-22:00
        session.add(OperatingWindow(weekday=weekday, start_minute=360, end_minute=1320))
    session.commit()
    for username, name, role, password, indexes in DEMO_USERS:
        user = users.create_user(session, actor=None, username=username, name=name, role=role, password=password,
                                 division_id=division.id)
        session.add_all([UserMachine(user_id=user.id, machine_id=machines[i].id) for i in indexes])  # type: ignore[arg-type]
    session.commit()
    _history(session, machines, random.Random(seed))
    maintenance_history.seed(session, machines, random.Random(seed))  # starting plan + four months (issue 22)
    rollup.rebuild(session)  # the history was written behind the services: fill the daily KPI roll-up
    session.commit()
    _open_problems(session, machines)
    logger.info('demo plant loaded: %d machines', len(machines))
    return True


def _history(session: Session, machines: list[CTPMachine], rng: random.Random) -> None:
    tree = {parent.name: (parent, children) for parent, children in taxonomy.list_tree(session)}
    reporters = [u.id for u in users.list_users_unchecked(session) if u.role == Role.CTP_USER and u.id is not None]
    end = utcnow() - timedelta(days=1)
    for machine in machines:
        day = end - timedelta(days=365)
        while day < end:
            if rng.random() < 0.22:
                _add_history_problem(session, machine, tree, rng, day, rng.choice(reporters), planned=False)
            if day.weekday() == 4 and rng.random() < 0.8:
                _add_history_problem(session, machine, tree, rng, day, rng.choice(reporters), planned=True)
            day += timedelta(days=1)
    session.commit()
    for machine in machines:
        downtime.refresh_machine_status(session, machine.id)  # type: ignore[arg-type]
    session.commit()


def _add_history_problem(session: Session, machine: CTPMachine, tree: dict[str, tuple[Category, list[Category]]],
                         rng: random.Random, day: datetime, reporter: int, *, planned: bool) -> None:
    name = 'Planned maintenance' if planned else rng.choices(list(WEIGHTS), list(WEIGHTS.values()))[0]
    parent, children = tree[name]
    symptom = rng.choice(children[:-1] or children)
    start = day.replace(hour=rng.randint(5, 21), minute=rng.randint(0, 59), second=0, microsecond=0)
    low, high = (45, 150) if planned else DURATION.get(name, (8, 75))
    minutes = rng.randint(low, high)
    end = start + timedelta(minutes=minutes)
    stopping = planned or rng.random() < 0.8
    resolved = _resolver(name, rng)
    vendor = resolved in (ResolvedBy.VENDOR_ONSITE, ResolvedBy.VENDOR_REMOTE)
    called = start + timedelta(minutes=rng.randint(5, 30)) if vendor else None
    log = CTPProblemLog(
        machine_id=machine.id,  # type: ignore[arg-type]
        problem_date=start.astimezone(get_settings().zone).date(), start_time=start, end_time=end, status='completed',
        problem_description=DESCRIPTIONS.get(symptom.name, f'{symptom.name} on {machine.nickname}.'),
        solution='Cleared and tested with a test plate.' if not vendor else 'Vendor replaced the faulty part.',
        category_id=symptom.id, is_stopping=stopping, is_planned=planned, created_by=reporter, created_at=start,
        updated_at=end, acknowledged_at=start + timedelta(minutes=rng.randint(1, 15)), acknowledged_by=reporter,
        resolved_by=resolved, technician_type=resolved.technician_type,
        technician_name='Vendor service' if vendor else None, vendor_called_at=called,
        vendor_arrived_at=called + timedelta(minutes=rng.randint(20, 240)) if called else None,
        plates_lost=rng.randint(0, 6) if not planned else 0, downtime_minutes=minutes if stopping else 0)
    session.add(log)
    session.flush()
    if stopping:
        session.add(DowntimeSegment(log_id=log.id, machine_id=machine.id, down_at=start, up_at=end,  # type: ignore[arg-type]
                                    is_planned=planned))
    session.add(ProblemAudit(log_id=log.id, actor_id=reporter, at=start, action='create'))  # type: ignore[arg-type]


def _resolver(subsystem: str, rng: random.Random) -> ResolvedBy:
    if subsystem == 'Imaging head / laser':
        return rng.choice([ResolvedBy.VENDOR_ONSITE, ResolvedBy.VENDOR_REMOTE])
    if subsystem in ('Plate loading / autoloader', 'Processor / chemistry', 'Plate / consumable defects'):
        return rng.choice([ResolvedBy.OPERATOR, ResolvedBy.OPERATOR, ResolvedBy.INTERNAL_TECHNICIAN])
    return rng.choice([ResolvedBy.INTERNAL_TECHNICIAN, ResolvedBy.VENDOR_REMOTE, ResolvedBy.OPERATOR])


def _open_problems(session: Session, machines: list[CTPMachine]) -> None:
    """Two machines with live problems, so the board shows red and amber at once."""
    tree = {parent.name: children for parent, children in taxonomy.list_tree(session)}
    tech1 = users.find_by_username(session, 'tech1')
    actor = Actor(user_id=tech1.id, role=Role.CTP_USER, name=tech1.name)  # type: ignore[union-attr]
    now = utcnow()
    problem_logs.report_problem(session, actor=actor, problem_in=ProblemLogCreate(
        machine_id=machines[0].id, category_id=tree['Plate loading / autoloader'][0].id,
        problem_description='Plate jam at the autoloader, third time this shift.',
        start_time=now - timedelta(minutes=42)))
    problem_logs.report_problem(session, actor=actor, problem_in=ProblemLogCreate(
        machine_id=machines[2].id, category_id=tree['Optics / extraction / filters'][1].id,
        problem_description='Extraction filter warning; still imaging.', is_stopping=False,
        start_time=now - timedelta(hours=3)))
