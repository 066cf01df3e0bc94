"""Small builders for test data; passwords share one precomputed hash (per Argon2 cost, see tests/conftest.py)."""
import io
from datetime import UTC, datetime
from functools import lru_cache

from PIL import Image
from sqlalchemy import delete
from sqlmodel import Session

from app import auth
from app.config import get_settings
from app.db import session_scope
from app.models import Category, CTPMachine, Role, User, UserMachine
from app.models.schemas import ProblemLogCreate, ProblemLogUpdate
from app.services import problem_logs, taxonomy
from app.services.access import Actor

PASSWORD = 'correct-horse-9'


def _password_hash() -> str:
    return _hash_at_cost(get_settings().cheap_password_hashes)


@lru_cache
def _hash_at_cost(cheap: bool) -> str:  # `cheap` is the cache key: a hash made at the cost in force
    return auth.hash_password(PASSWORD)


def make_user(session: Session, username: str, role: Role = Role.CTP_USER, machines: list[int] | None = None,
              *, active: bool = True) -> User:
    user = User(username=username, name=username.title(), role=role, password_hash=_password_hash(), is_active=active)
    session.add(user)
    session.commit()
    for machine_id in machines or []:
        session.add(UserMachine(user_id=user.id, machine_id=machine_id))  # type: ignore[arg-type]
    session.commit()
    return user


def actor(user: User) -> Actor:
    return Actor(user_id=user.id, role=Role(user.role), name=user.name)


LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)  # machines exist before the (pinned) times of their problems (§5.15)


def make_machine(session: Session, name: str = 'Kodak Magnus Q800', **fields: object) -> CTPMachine:
    fields.setdefault('created_at', LONG_AGO)
    machine = CTPMachine(name=name, **fields)
    session.add(machine)
    session.commit()
    return machine


def seeded_category(session: Session, subsystem: str, symptom: str | None = None) -> Category:
    taxonomy.seed_default_taxonomy(session)
    session.commit()
    for parent, children in taxonomy.list_tree(session):
        if parent.name == subsystem:
            if symptom is None:
                return parent
            return next(c for c in children if c.name == symptom)
    raise KeyError(subsystem)


def report(session: Session, who: User, machine: CTPMachine, *, start: datetime | None = None,
           **fields: object) -> int:
    body = ProblemLogCreate(machine_id=machine.id, problem_description=str(fields.pop('description', 'Plate jam')),  # type: ignore[arg-type]
                            start_time=start, **fields)  # type: ignore[arg-type]
    return problem_logs.report_problem(session, actor=actor(who), problem_in=body).log.id  # type: ignore[return-value]


def change(session: Session, who: User, log_id: int, **fields: object) -> None:
    problem_logs.update_problem(session, actor=actor(who), log_id=log_id,
                                changes=ProblemLogUpdate(**fields))  # type: ignore[arg-type]


def complete(session: Session, who: User, log_id: int, end: datetime | None = None, **fields: object) -> None:
    change(session, who, log_id, status='completed', solution=fields.pop('solution', 'Fixed'),
           resolved_by=fields.pop('resolved_by', 'operator'), end_time=end, **fields)


def tiny_jpeg(size: tuple[int, int] = (64, 48), colour: str = 'red') -> bytes:
    buffer = io.BytesIO()
    Image.new('RGB', size, colour).save(buffer, 'JPEG')
    return buffer.getvalue()


def change_behind_the_pages(user_id: int, *, unassign: bool = False, **fields: object) -> None:
    """Change a user straight in the database, with no event to the open pages (another process, a script, a
    race): what a page saves next must follow it anyway."""
    with session_scope() as session:
        user = session.get(User, user_id)
        for name, value in fields.items():
            setattr(user, name, value)
        if unassign:
            session.execute(delete(UserMachine).where(UserMachine.user_id == user_id))  # type: ignore[arg-type]
        session.commit()
