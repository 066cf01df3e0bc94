"""/api/users: administration of people (admin only): list, create, edit, machine assignments."""
from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import Field, StringConstraints

from app.api.deps import CurrentActor
from app.api.routes import PathId, in_read_session, in_session
from app.api.routes.auth import TokenOut
from app.models import Role
from app.models.schemas import Id, StrictModel, UserPublic
from app.services import tokens, users

router = APIRouter(prefix='/api/users', tags=['users'])

Username = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=64,
                                            pattern=r'^[A-Za-z0-9_.@-]+$')]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class UserCreate(StrictModel):
    username: Username
    name: Name
    role: Role
    password: Password
    division_id: Id | None = None
    is_active: bool = True
    machine_ids: list[Id] = Field(default_factory=list, max_length=1000,
                                  description='machines a CTP user is assigned to (PUT /{id}/machines changes them)')


class UserUpdate(StrictModel):
    username: Username | None = None
    name: Name | None = None
    role: Role | None = None
    password: Password | None = None
    division_id: Id | None = None
    is_active: bool | None = None


class AssignmentsIn(StrictModel):
    machine_ids: list[Id] = Field(max_length=1000)


@router.get('', response_model=list[UserPublic])
async def read_users(actor: CurrentActor) -> list[UserPublic]:
    """Every user with role, division and assigned machines."""
    return await in_read_session(lambda s: users.list_users(s, actor=actor))


@router.post('', response_model=UserPublic, status_code=201)
async def create_user(body: UserCreate, actor: CurrentActor) -> UserPublic:
    """Add a user (the password follows the password rules: 8+ characters, not a common one)."""
    def work(session: object) -> UserPublic:
        user = users.create_user(session, actor=actor, **body.model_dump())  # type: ignore[arg-type]
        return users.to_public(session, user)  # type: ignore[arg-type]
    return await in_session(work)


@router.put('/{user_id}', response_model=UserPublic)
async def update_user(user_id: PathId, body: UserUpdate, actor: CurrentActor) -> UserPublic:
    """Change name, user name, role, division, password or active; the last active admin stays (409)."""
    def work(session: object) -> UserPublic:
        user = users.update_user(session, actor=actor, user_id=user_id,  # type: ignore[arg-type]
                                 changes=body.model_dump(exclude_unset=True))
        return users.to_public(session, user)  # type: ignore[arg-type]
    return await in_session(work)


@router.put('/{user_id}/machines', response_model=UserPublic)
async def update_assignments(user_id: PathId, body: AssignmentsIn, actor: CurrentActor) -> UserPublic:
    """Replace the machines a CTP user is assigned to: {"machine_ids": [1, 2]}."""
    def work(session: object) -> UserPublic:
        users.set_assignments(session, actor=actor, user_id=user_id, machine_ids=body.machine_ids)  # type: ignore[arg-type]
        return users.to_public(session, users.get_user_or_raise(session, user_id))  # type: ignore[arg-type]
    return await in_session(work)


@router.get('/{user_id}/tokens', response_model=list[TokenOut])
async def read_user_tokens(user_id: PathId, actor: CurrentActor) -> list[TokenOut]:
    """Admins: a user's active API tokens (never the secrets)."""
    rows = await in_read_session(lambda s: tokens.list_user_tokens(s, actor=actor, user_id=user_id))
    return [TokenOut(**vars(row)) for row in rows]


@router.delete('/{user_id}/tokens/{token_id}', status_code=204)
async def revoke_user_token(user_id: PathId, token_id: PathId, actor: CurrentActor) -> Response:
    """Admins: revoke one of a user's API tokens at once."""
    await in_session(lambda s: tokens.revoke_user_token(s, actor=actor, user_id=user_id, token_id=token_id))
    return Response(status_code=204)
