"""Problems as the API and the screens show them: public models from stored problems or list rows, with their
machine's and reporter's names, category labels in the current language, photos and a running stop's downtime up to
now, in a fixed number of statements for any number of problems."""
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlmodel import Session, col

from app.db import pk, prepared, select_rows
from app.models import Category, CTPMachine, CTPProblemLog, ProblemPhoto, User, utcnow
from app.models.schemas import PhotoPublic, ProblemLogPublic
from app.services import downtime, taxonomy

HIDDEN = frozenset({'client_key', 'request_hash', 'deleted_at', 'escalated_at'})


def photo_url(photo_id: int, *, thumb: bool = False) -> str:
    return f'/photos/{photo_id}/thumb' if thumb else f'/photos/{photo_id}'


def to_public(session: Session, logs: list[CTPProblemLog]) -> list[ProblemLogPublic]:
    """Public models for many problems with a fixed number of queries."""
    return public_items(session, [log.model_dump(exclude=set(HIDDEN)) for log in logs])


def public_items(session: Session, rows: list[dict[str, Any]],
                 names: dict[int, str] | None = None) -> list[ProblemLogPublic]:
    """Public models from problem rows (column dicts, named by the list query's joins or looked up here; `names`:
    the reporters' names, when the caller read them already)."""
    if not rows:
        return []
    if 'machine_name' not in rows[0]:
        _name(session, rows, names)
    else:
        _label_in_language(session, rows)
    photos = _photos(session, [row['id'] for row in rows])
    now = utcnow()
    return [_public(row, photos.get(row['id'], []), session, now) for row in rows]


def _label_in_language(session: Session, rows: list[dict[str, Any]]) -> None:
    """The list query's category labels in the current language (a category's own name in another)."""
    labels = category_labels(session, {row['category_id'] for row in rows if row.get('category_id') is not None})
    for row in rows:
        if row.get('category_id') in labels:
            row['category'], row['subsystem'] = labels[row['category_id']]


def _name(session: Session, rows: list[dict[str, Any]], names: dict[int, str] | None) -> None:
    machines = dict(select_rows(session, _machine_names(), {'ids': sorted({row['machine_id'] for row in rows})}).all())
    labels = category_labels(session, {row['category_id'] for row in rows if row['category_id'] is not None})
    if names is None:
        names = user_names(session, {row['created_by'] for row in rows})
    for row in rows:
        label, subsystem = labels.get(row['category_id'], (None, None))
        row.update(machine_name=machines.get(row['machine_id'], '?'), category=label, subsystem=subsystem,
                   created_by_name=names.get(row['created_by']))


@prepared
def _machine_names() -> Select[int, str]:
    machine = CTPMachine
    return select(pk(machine.id), col(machine.name)).where(col(machine.id).in_(bindparam('ids', expanding=True)))


def _public(row: dict[str, Any], photos: list[PhotoPublic], session: Session, now: datetime) -> ProblemLogPublic:
    if row['status'] in ('open', 'in_progress') and row['is_stopping']:
        row['downtime_minutes'] = downtime.to_minutes(downtime.downtime_seconds(session, row['id'], now))
    row.update(photos=photos, problem_photo=photos[0].url if photos else None)
    return ProblemLogPublic.model_validate(row)


def category_labels(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    """{category id: (label, subsystem)} for the given categories only, in the current language."""
    if not ids:
        return {}
    rows = select_rows(session, _categories(), {'ids': sorted(ids)}).all()
    found = [(cid, parent, taxonomy.localized(str(name), names or None)) for cid, parent, name, names in rows]
    parents = {parent for _, parent, _ in found if parent is not None}
    subsystems = {cid: taxonomy.localized(str(name), names or None) for cid, _, name, names in select_rows(
        session, _categories(), {'ids': sorted(parents)}).all()} if parents else {}
    out: dict[int, tuple[str, str]] = {}
    for cid, parent, name in found:
        subsystem = subsystems.get(parent, name) if parent is not None else name
        out[cid] = (f'{subsystem} – {name}' if parent is not None else name, subsystem)
    return out


@prepared
def _categories() -> Select[int, int | None, str, Any]:
    return (select(pk(Category.id), col(Category.parent_id), col(Category.name), col(Category.names))
            .where(col(Category.id).in_(bindparam('ids', expanding=True))))


@prepared
def _photos_query() -> Select[int, int, str, str | None, int, int, datetime]:
    photo = ProblemPhoto
    return (select(col(photo.log_id), pk(photo.id), col(photo.kind), col(photo.original_name), col(photo.width),
                   col(photo.height), col(photo.created_at))
            .where(col(photo.log_id).in_(bindparam('ids', expanding=True)))
            .order_by(col(photo.created_at), col(photo.id)))


def _photos(session: Session, log_ids: list[int]) -> dict[int, list[PhotoPublic]]:
    photos: dict[int, list[PhotoPublic]] = {}
    for log_id, photo_id, kind, original_name, width, height, created_at in session.connection().execute(
            _photos_query(), {'ids': log_ids}):
        photos.setdefault(log_id, []).append(PhotoPublic(
            id=photo_id, kind=kind, url=photo_url(photo_id), thumb_url=photo_url(photo_id, thumb=True),
            original_name=original_name, width=width, height=height, created_at=created_at))
    return photos


def user_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    """{user id: name} of these people (None ignored)."""
    wanted = {uid for uid in ids if uid is not None}
    if not wanted:
        return {}
    return dict(select_rows(session, _names_query(), {'ids': sorted(wanted)}).all())


@prepared
def _names_query() -> Select[int, str]:
    return select(pk(User.id), col(User.name)).where(col(User.id).in_(bindparam('ids', expanding=True)))
