"""Wall displays: pairing (one-time code -> long-lived device cookie) and admin management."""
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import AwareDatetime, BaseModel, Field

from app.api.deps import CurrentActor
from app.api.routes import PathId, in_read_session, in_session
from app.config import get_settings
from app.errors import NotFound
from app.models.schemas import Id, LanguageIn, StrictModel
from app.services import display_claims, displays

router = APIRouter(tags=['displays'])
# Static text only (no request data in it): what a wall screen shows for a used, replaced or revoked pairing link.
LINK_NOT_VALID = '''<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pairing link not valid</title>
<style>body{background:#0b0d10;color:#e8e8e8;font-family:Roboto,Arial,sans-serif;display:flex;align-items:center;
justify-content:center;height:100vh;margin:0;text-align:center}h1{font-size:3vw}p{font-size:1.8vw;max-width:60vw}
a{color:#90caf9}</style></head><body><main><h1>This pairing link is no longer valid</h1>
<p>It was used already, replaced by a newer link, or the display was revoked. Ask an admin for a new link under
Admin &rarr; Displays and open it on this screen once.</p><p><a href="/display">Show this screen's board</a></p>
</main></body></html>'''


class DisplayIn(StrictModel):
    name: str = Field(min_length=1, max_length=80)
    machine_ids: list[Id] | None = Field(default=None, max_length=500)


class ScopeIn(StrictModel):
    machine_ids: list[Id] | None = Field(default=None, max_length=500)


class ClaimIn(StrictModel):
    code: str = Field(min_length=1, max_length=20)


class DisplayOut(BaseModel):
    id: int
    name: str
    machine_ids: list[int] | None
    paired: bool
    pairing_pending: bool
    last_seen_at: AwareDatetime | None = None
    connected: bool = False
    language: str | None = None


class PairingOut(BaseModel):
    display: DisplayOut
    pairing_path: str


def _out(info: displays.DisplayInfo) -> DisplayOut:
    return DisplayOut(id=info.id, name=info.name, machine_ids=info.machine_ids, paired=info.paired,
                      pairing_pending=info.pairing_pending, last_seen_at=info.last_seen_at, connected=info.connected,
                      language=info.language)


def pairing_path(code: str) -> str:
    return f'/display/pair?code={code}'


@router.get('/display/pair', include_in_schema=False)
async def pair_display(request: Request, code: Annotated[str, Query(min_length=8, max_length=128)]) -> Response:
    """Open once on the wall screen: stores the device cookie and drops the code from the address bar."""
    try:
        token = await in_session(lambda s: displays.pair(s, code=code))
    except NotFound:
        return HTMLResponse(LINK_NOT_VALID, status_code=404)  # a wall screen shows a page, not a JSON error
    response = RedirectResponse('/display', status_code=303)
    response.set_cookie(displays.DISPLAY_COOKIE, token, max_age=displays.DISPLAY_COOKIE_MAX_AGE, httponly=True,
                        samesite='lax', secure=get_settings().cookie_secure, path='/')
    return response


@router.get('/api/displays', response_model=list[DisplayOut])
async def read_displays(actor: CurrentActor) -> list[DisplayOut]:
    """Admin: registered wall displays."""
    return [_out(i) for i in await in_read_session(lambda s: displays.list_displays(s, actor=actor))]


@router.post('/api/displays', response_model=PairingOut, status_code=201)
async def create_display(body: DisplayIn, actor: CurrentActor) -> PairingOut:
    """Admin: register a display (machine_ids null = all); the pairing link is shown once."""
    info, code = await in_session(lambda s: displays.register_display(
        s, actor=actor, name=body.name, machine_ids=body.machine_ids))
    return PairingOut(display=_out(info), pairing_path=pairing_path(code))


@router.post('/api/displays/{display_id}/pairing', response_model=PairingOut)
async def renew_pairing(display_id: PathId, actor: CurrentActor) -> PairingOut:
    """Admin: a new one-time pairing link (for a replaced screen)."""
    def work(session: object) -> PairingOut:
        code = displays.new_pairing_code(session, actor=actor, display_id=display_id)  # type: ignore[arg-type]
        info = next(i for i in displays.list_displays(session, actor=actor) if i.id == display_id)  # type: ignore[arg-type]
        return PairingOut(display=_out(info), pairing_path=pairing_path(code))
    return await in_session(work)


@router.post('/api/displays/{display_id}/claim', response_model=DisplayOut)
async def claim_screen(display_id: PathId, body: ClaimIn, actor: CurrentActor) -> DisplayOut:
    """Admin: the unpaired screen showing this code (e.g. ABCD-EFGH) becomes this display by itself."""
    return _out(await in_session(lambda s: display_claims.claim(
        s, actor=actor, display_id=display_id, code=body.code)))


@router.put('/api/displays/{display_id}', response_model=DisplayOut)
async def update_display(display_id: PathId, body: ScopeIn, actor: CurrentActor) -> DisplayOut:
    """Admin: which machines the display shows (null = all)."""
    return _out(await in_session(lambda s: displays.update_scope(
        s, actor=actor, display_id=display_id, machine_ids=body.machine_ids)))


@router.put('/api/displays/{display_id}/language', response_model=DisplayOut)
async def update_display_language(display_id: PathId, body: LanguageIn, actor: CurrentActor) -> DisplayOut:
    """Admin: the language of the display's board (null = the plant default); an open board reloads in it."""
    return _out(await in_session(lambda s: displays.set_language(
        s, actor=actor, display_id=display_id, language=body.language)))


@router.delete('/api/displays/{display_id}', status_code=204)
async def revoke_display(display_id: PathId, actor: CurrentActor) -> Response:
    """Admin: revoke a display; its open board is cut off at once."""
    await in_session(lambda s: displays.revoke_display(s, actor=actor, display_id=display_id))
    return Response(status_code=204)
