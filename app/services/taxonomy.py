"""The failure taxonomy: subsystems and their symptoms (DOMAIN.md §6); admin-editable, never deleted in use."""
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session, col

from app import events
from app.config import LANGUAGES
from app.db import not_null, pk, rolls_back, select_rows
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import N_, current_language
from app.models import Category, CTPProblemLog
from app.services.access import Action, Actor, require
from app.services.taxonomy_names import default_names

OTHER = 'Other (describe)'

# (subsystem, symptoms, machine_fault, is_planned_default)
DEFAULT_TAXONOMY: list[tuple[str, list[str], bool, bool]] = [
    ('Plate loading / autoloader', ['Plate jam', 'Double pick', 'Misfeed', 'Plate not detected',
                                    'Slip sheet not removed', 'Cassette/pallet error'], True, False),
    ('Punch / registration', ['Punch error', 'Pin/edge detection failure', 'Misregistration'], True, False),
    ('Drum / clamping / vacuum', ['Vacuum error', 'Plate not clamped', 'Drum balance', 'Plate slips'], True, False),
    ('Imaging head / laser', ['Low or fading laser power', 'Head/diode failure', 'Focus/calibration drift',
                              'Banding/streaks', 'Chiller fault'], True, False),
    ('Optics / extraction / filters', ['Dirty optics', 'Clogged extraction filter', 'Dust artefacts'], True, False),
    ('Processor / chemistry', ['Chemistry exhausted', 'Temperature/conductivity out of range', 'Brush/roller wear',
                               'Gum section', 'Dryer', 'Processor jam', 'Scumming'], True, False),
    ('Plate / consumable defects', ['Scratches', 'Voids', 'Coating defects', 'Wrong plate type/size'], True, False),
    ('Electronics / control PC / software', ['Controller error', 'Front-end PC crash', 'Firmware', 'Licence dongle',
                                             'RIP/workflow link down'], True, False),
    ('Workflow / RIP / files', ['RIP error', 'Wrong imposition', 'Job sent to wrong device'], False, False),
    ('Utilities / environment', ['Compressed air', 'Power', 'Temperature/humidity', 'Network'], True, False),
    ('Operator error', ['Wrong settings', 'Handling damage'], True, False),
    ('Planned maintenance', ['Processor clean / chemistry change', 'Filter change', 'Optics cleaning',
                             'Vendor PM visit', 'Calibration/trials'], True, True),
]


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    subsystem_id: int
    subsystem: str
    symptom: str | None
    machine_fault: bool
    is_planned_default: bool
    active: bool

    @property
    def label(self) -> str:
        return f'{self.subsystem} – {self.symptom}' if self.symptom else self.subsystem


def shown_name(category: Category) -> str:
    """The category's name in the current language, else its name."""
    return localized(category.name, category.names)


def localized(name: str, names: object) -> str:
    """`name` in the current language from a category's `names` ({"de": ...}, as stored), else `name`."""
    shown = names.get(current_language()) if isinstance(names, dict) else None
    return str(shown) if shown else name


def subsystem_names(session: Session) -> dict[str, dict[str, str] | None]:
    """Each subsystem's name and its names per language (statistics name causes by subsystem)."""
    query = select(col(Category.name), col(Category.names)).where(col(Category.parent_id).is_(None))
    return dict(select_rows(session, query).all())


def seed_default_taxonomy(session: Session) -> None:
    """Load the default taxonomy into an empty table (the caller commits)."""
    if select_rows(session, select(func.count()).select_from(Category)).one()[0]:
        return
    for sort, (name, symptoms, machine_fault, planned) in enumerate(DEFAULT_TAXONOMY):
        parent = Category(name=name, names=default_names(name), machine_fault=machine_fault,
                          is_planned_default=planned, sort=sort)
        session.add(parent)
        session.flush()
        for child_sort, symptom in enumerate([*symptoms, OTHER]):
            session.add(Category(parent_id=parent.id, name=symptom, names=default_names(symptom),
                                 machine_fault=machine_fault, is_planned_default=planned, sort=child_sort))


def category_info(session: Session, category_id: int) -> CategoryInfo:
    """A category (subsystem or symptom) with its subsystem; 400 if unknown."""
    category = session.get(Category, category_id)
    if category is None:
        raise InvalidInput(f'unknown category {category_id}', field='category_id')
    parent = session.get(Category, category.parent_id) if category.parent_id else None
    subsystem = parent or category
    return CategoryInfo(id=category.id, subsystem_id=subsystem.id, subsystem=shown_name(subsystem),  # type: ignore[arg-type]
                        symptom=shown_name(category) if parent else None, machine_fault=subsystem.machine_fault,
                        is_planned_default=subsystem.is_planned_default, active=category.active and subsystem.active)


def labels(session: Session) -> dict[int, CategoryInfo]:
    """Every category by id, for listing many problems with one query."""
    rows = list(select_rows(session, select(Category)).scalars())
    by_id = {row.id: row for row in rows}
    result: dict[int, CategoryInfo] = {}
    for row in rows:
        parent = by_id.get(row.parent_id) if row.parent_id else None
        subsystem = parent or row
        result[row.id] = CategoryInfo(  # type: ignore[index]
            id=row.id, subsystem_id=subsystem.id, subsystem=shown_name(subsystem),  # type: ignore[arg-type]
            symptom=shown_name(row) if parent else None, machine_fault=subsystem.machine_fault,
            is_planned_default=subsystem.is_planned_default, active=row.active and subsystem.active)
    return result


def list_tree(session: Session, *, include_inactive: bool = False) -> list[tuple[Category, list[Category]]]:
    """Subsystems with their symptoms, in display order."""
    rows = list(select_rows(session, select(Category).order_by(col(Category.sort), col(Category.name))).scalars())
    keep = [row for row in rows if include_inactive or row.active]
    parents = [row for row in keep if row.parent_id is None]
    return [(parent, [row for row in keep if row.parent_id == parent.id]) for parent in parents]


@rolls_back
def create_category(session: Session, *, actor: Actor, name: str, parent_id: int | None = None,
                    machine_fault: bool = True, is_planned_default: bool = False,
                    names: dict[str, str] | None = None) -> Category:
    """Add a subsystem (no parent) or a symptom, with its names in other languages (`names`: {"de": ...})."""
    require(actor, Action.ADMINISTER)
    name = name.strip()
    if not name or len(name) > 120 or name.startswith(':'):
        raise InvalidInput(N_('a category name has 1 to 120 characters and does not start with ":"'), field='name')
    parent = session.get(Category, parent_id) if parent_id is not None else None
    if parent_id is not None and (parent is None or parent.parent_id is not None):
        raise InvalidInput(N_('the parent must be a subsystem'), field='parent_id')
    duplicate = select(Category).where(col(Category.parent_id) == parent_id if parent_id else col(Category.parent_id)
                                       .is_(None),
                                       func.lower(Category.name) == name.lower())
    if select_rows(session, duplicate).first():
        raise Conflict(f'category {name!r} exists already')
    category = Category(name=name, parent_id=parent_id, names=_merged_names(None, names or {}),
                        machine_fault=parent.machine_fault if parent else machine_fault,
                        is_planned_default=parent.is_planned_default if parent else is_planned_default, sort=999)
    session.add(category)
    session.commit()
    events.publish(events.taxonomy_changed, category.id or 0)
    return category


@rolls_back
def update_category(session: Session, *, actor: Actor, category_id: int, name: str | None = None,
                    active: bool | None = None, names: dict[str, str] | None = None) -> Category:
    """Rename (the id stays), name in other languages (`names`: {"de": "Plattenstau"}, '' removes one) or
    (de)activate a category."""
    require(actor, Action.ADMINISTER)
    category = session.get(Category, category_id)
    if category is None:
        raise NotFound(f'category {category_id} not found')
    if name is not None:
        name = name.strip()
        if not name or len(name) > 120 or name.startswith(':'):
            raise InvalidInput(N_('a category name has 1 to 120 characters and does not start with ":"'), field='name')
        category.name = name
    if names is not None:
        category.names = _merged_names(category.names, names)
    if active is not None:
        category.active = active
    session.add(category)
    session.commit()
    events.publish(events.taxonomy_changed, category_id)
    return category


def _merged_names(current: dict[str, str] | None, changes: dict[str, str]) -> dict[str, str] | None:
    merged = dict(current or {})
    for language, text in changes.items():
        text = text.strip()
        if language not in LANGUAGES:
            raise InvalidInput(N_('names are given per language: {known}, not {language}'), field='names',
                               known=', '.join(LANGUAGES), language=language[:16])
        if len(text) > 120 or text.startswith(':'):
            raise InvalidInput(N_('a category name has 1 to 120 characters and does not start with ":"'),
                               field='names')
        if text:
            merged[language] = text
        else:
            merged.pop(language, None)
    return merged or None


@rolls_back
def usage(session: Session) -> dict[int, int]:
    """Problems per category, a subsystem counting its symptoms' problems too (what archiving would touch)."""
    rows = select_rows(session, select(not_null(CTPProblemLog.category_id), func.count())
                       .where(col(CTPProblemLog.category_id).is_not(None))
                        .group_by(col(CTPProblemLog.category_id))).all()
    own = {int(category_id): int(count) for category_id, count in rows}
    counts = dict(own)
    for child_id, parent_id in select_rows(session, select(pk(Category.id), not_null(Category.parent_id))
                                            .where(col(Category.parent_id).is_not(None))).all():
        counts[parent_id] = counts.get(parent_id, 0) + own.get(child_id, 0)
    return counts


def delete_category(session: Session, *, actor: Actor, category_id: int) -> None:
    """Delete an unused category; one in use must be deactivated instead (409)."""
    require(actor, Action.ADMINISTER)
    category = session.get(Category, category_id)
    if category is None:
        raise NotFound(f'category {category_id} not found')
    ids = [category_id, *select_rows(session, select(col(Category.id)).where(col(Category.parent_id) == category_id))
           .scalars()]
    used = select_rows(session, select(func.count()).select_from(CTPProblemLog)
                        .where(col(CTPProblemLog.category_id).in_(ids))).one()[0]
    if used:
        raise Conflict(N_('this category is used by problems; deactivate it instead'))
    for child_id in ids[1:]:
        session.delete(session.get(Category, child_id))
    session.flush()  # the symptoms go first: one flush may order the parent's DELETE before theirs
    session.delete(category)
    session.commit()
    events.publish(events.taxonomy_changed, category_id)
