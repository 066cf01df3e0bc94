"""/admin/calendar: the plant's operating hours (weekly shift windows) and closed days (admins only)."""
import re
from datetime import date

from nicegui import ui

from app.db import read_session
from app.errors import InvalidInput
from app.i18n import N_, _
from app.services import calendar, calendar_admin
from app.services.access import SignedIn, acting_as
from components.admin import act, admin_nav
from components.layout import frame
from components.page import page
from components.session import require_page_admin
from components.worker import io

WEEKDAYS = (N_('Monday'), N_('Tuesday'), N_('Wednesday'), N_('Thursday'), N_('Friday'), N_('Saturday'),
            N_('Sunday'))  # untranslated
RANGE = re.compile(r'^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$')


@page('/admin/calendar')
async def admin_calendar_page() -> None:
    actor = await require_page_admin(_('Operating hours'))
    if actor is None:
        return
    windows, closed = await io(_load)
    with frame(_('Operating hours'), actor):
        admin_nav('/admin/calendar')
        ui.label(_('Shift windows per weekday, e.g. "06:00-14:00, 14:00-22:00". Leave a day empty when the plant '
                   'does not run; leave every day empty for 24/7.'))
        inputs = [ui.input(_(day), value=_format_day(windows, index)).classes('w-96')
                  for index, day in enumerate(WEEKDAYS)]
        ui.label(_('Closed days, one per line: "2026-12-25 Christmas"'))
        closures = ui.textarea(value='\n'.join(f'{d.isoformat()} {r or ""}'.strip() for d, r in closed)) \
            .classes('w-96').props('rows=6')

        async def save() -> None:
            try:  # read here, in the screen's language, before the save runs off the event loop
                windows, days = parse_windows([i.value or '' for i in inputs]), parse_closures(closures.value or '')
            except InvalidInput as error:
                ui.notify(error.message, type='negative')
                return
            await act(_save, windows, days, done=_('Operating hours saved'))

        ui.button(_('Save'), on_click=save).classes('min-h-[48px]')


def _format_day(windows: list[tuple[int, int, int]], weekday: int) -> str:
    return ', '.join(f'{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}' for w, a, b in windows if w == weekday)


def parse_windows(texts: list[str]) -> list[tuple[int, int, int]]:
    """Weekday texts like "06:00-14:00, 22:00-24:00" as (weekday, start minute, end minute)."""
    result = []
    for weekday, text in enumerate(texts):
        for part in filter(None, (p.strip() for p in text.split(','))):
            match = RANGE.match(part)
            if match is None:
                raise InvalidInput(_("{day}: write a window as 06:00-14:00, not '{text}'").format(
                    day=_(WEEKDAYS[weekday]), text=part))
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            result.append((weekday, h1 * 60 + m1, h2 * 60 + m2))
    return result


def parse_closures(text: str) -> dict[date, str | None]:
    days: dict[date, str | None] = {}
    for line in filter(None, (line.strip() for line in text.splitlines())):
        first, _space, reason = line.partition(' ')
        try:
            days[date.fromisoformat(first)] = reason.strip()[:120] or None
        except ValueError as error:
            raise InvalidInput(_("a closed day starts with its date, like 2026-12-25, not '{text}'").format(
                text=first)) from error
    return days


def _load() -> tuple[list[tuple[int, int, int]], list[tuple[date, str | None]]]:
    with read_session() as session:
        return calendar.weekly_windows(session), calendar.closed_days(session)


def _save(who: SignedIn | None, windows: list[tuple[int, int, int]], days: dict[date, str | None]) -> bool:
    with acting_as(who) as (session, actor):
        calendar_admin.set_weekly_windows(session, actor=actor, windows=windows)
        calendar_admin.set_closures(session, actor=actor, days=days)
    return True
