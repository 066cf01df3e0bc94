"""/api/categories: the failure taxonomy. Everyone with access reads it; admins add, rename, (de)activate, delete."""
from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, StringConstraints

from app.api.deps import CurrentActor
from app.api.routes import PathId, in_read_session, in_session
from app.models import Category
from app.models.schemas import Id, StrictModel
from app.services import taxonomy
from app.services.access import Action, require

router = APIRouter(prefix='/api/categories', tags=['categories'])

CategoryName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
PRINTABLE = r'^[^\x00-\x1f\x7f]*$'  # a name has no control characters (StrictModel checks only top-level text)
# The name per language as the admin screen sets it: {"de": "Plattenstau"}; the service checks languages and lengths
LanguageNames = Annotated[dict[Annotated[str, StringConstraints(max_length=16)],
                               Annotated[str, StringConstraints(max_length=200, pattern=PRINTABLE)]],
                          Field(max_length=8, description=(
                              'the name per language ({"de": "Plattenstau"}; en, de); screens in that language show '
                              'it, others show `name`. On update only the languages given change; "" removes one'))]


class CategoryOut(BaseModel):
    id: int
    parent_id: int | None
    name: str
    machine_fault: bool
    is_planned_default: bool
    active: bool
    names: dict[str, str] = Field(default_factory=dict, description='the name per language, where an admin gave one')


class SubsystemOut(CategoryOut):
    symptoms: list[CategoryOut]


class CategoryCreate(StrictModel):
    name: CategoryName
    parent_id: Id | None = None
    machine_fault: bool = True
    is_planned_default: bool = False
    names: LanguageNames | None = None


class CategoryUpdate(StrictModel):
    name: CategoryName | None = None
    active: bool | None = None
    names: LanguageNames | None = None


def _out(row: Category) -> CategoryOut:
    return CategoryOut(id=row.id, parent_id=row.parent_id, name=row.name, machine_fault=row.machine_fault,
                       is_planned_default=row.is_planned_default, active=row.active, names=dict(row.names or {}))


@router.get('', response_model=list[SubsystemOut])
async def read_categories(actor: CurrentActor, include_inactive: bool = False) -> list[SubsystemOut]:
    """Subsystems with their symptoms, in display order (`include_inactive=true` for admins' lists)."""
    def work(session: object) -> list[SubsystemOut]:
        require(actor, Action.READ)
        tree = taxonomy.list_tree(session, include_inactive=include_inactive)  # type: ignore[arg-type]
        return [SubsystemOut(**_out(parent).model_dump(), symptoms=[_out(c) for c in children])
                for parent, children in tree]
    return await in_read_session(work)


@router.post('', response_model=CategoryOut, status_code=201)
async def create_category(body: CategoryCreate, actor: CurrentActor) -> CategoryOut:
    """Admin: add a subsystem (no parent_id) or a symptom of a subsystem, with its names per language."""
    return _out(await in_session(lambda s: taxonomy.create_category(s, actor=actor, **body.model_dump())))


@router.put('/{category_id}', response_model=CategoryOut)
async def update_category(category_id: PathId, body: CategoryUpdate, actor: CurrentActor) -> CategoryOut:
    """Admin: rename (problems keep the category), name it per language or (de)activate it."""
    return _out(await in_session(lambda s: taxonomy.update_category(
        s, actor=actor, category_id=category_id, **body.model_dump(exclude_none=True))))


@router.delete('/{category_id}', status_code=204)
async def delete_category(category_id: PathId, actor: CurrentActor) -> Response:
    """Admin: delete an unused category (409 when problems use it: deactivate it instead)."""
    await in_session(lambda s: taxonomy.delete_category(s, actor=actor, category_id=category_id))
    return Response(status_code=204)
