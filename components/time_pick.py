"""Times without typing: one-tap "when did it start" choices and a touch date/time picker, plant-local with the
zone shown. Values are plant-local text 'YYYY-MM-DD HH:MM' ('' = now / not set), as the forms store them; the
screen shows them as it writes every moment ('03 Nov 14:05' / '03. Nov. 14:05', issue 17)."""
from collections.abc import Callable
from datetime import datetime, timedelta

from nicegui import ui

from app import i18n
from app.config import get_settings
from app.i18n import N_, _
from app.models import utcnow
from components.design import TOUCH
from components.dialog import named_dialog

TIME_FORMAT = '%Y-%m-%d %H:%M'
AGO = {N_('Now'): 0, N_('5 min ago'): 5, N_('15 min ago'): 15, N_('30 min ago'): 30, N_('1 h ago'): 60}


def zone_name() -> str:
    return str(get_settings().zone)


def local_now() -> datetime:
    return utcnow().astimezone(get_settings().zone)


def as_text(moment: datetime | None) -> str:
    return moment.astimezone(get_settings().zone).strftime(TIME_FORMAT) if moment else ''


def shown(value: str) -> str:
    """A stored value as the screen writes a moment; '' stays ''."""
    try:
        return i18n.date_time_text(datetime.strptime(value, TIME_FORMAT).replace(tzinfo=get_settings().zone))
    except ValueError:
        return value


async def pick_time(title: str, value: str) -> str | None:
    """A dialog with a touch date and time picker; the chosen plant-local time as text, None when backed out."""
    start = value or as_text(local_now())
    day, clock = start.split(' ')
    with named_dialog(title) as dialog, ui.card().classes('max-w-[95vw]').mark('time-dialog'):
        ui.label(_('{title} ({zone} time)').format(title=title, zone=zone_name())).classes('text-lg font-bold')
        with ui.row().classes('gap-2 items-start'):
            date = ui.date(value=day, mask='YYYY-MM-DD').props('minimal').mark('time-date')
            time = ui.time(value=clock, mask='HH:mm').props('format24h').mark('time-clock')
        with ui.row().classes('w-full justify-end gap-2'):
            ui.button(_('Back'), on_click=lambda: dialog.submit(None)).props('flat').classes(TOUCH)
            ui.button(_('Use this time'), on_click=lambda: dialog.submit(f'{date.value} {time.value}')) \
                .classes(TOUCH).mark('time-use')
    result = await dialog
    dialog.delete()
    return result if isinstance(result, str) else None


class StartChoices:
    """"When did it start?": Now, 5 / 15 / 30 min ago, 1 h ago or Pick… (one tap each); shows the chosen time."""

    def __init__(self, value: str, on_change: Callable[[str], None]) -> None:
        self.value = value
        self._on_change = on_change
        ui.label(_('{title} ({zone} time)').format(title=_('When did it start?'), zone=zone_name())) \
            .classes('text-base font-bold')
        self.row = ui.row().classes('w-full gap-2 items-center').mark('start-choices')
        self._render()

    def _set(self, value: str) -> None:
        self.value = value
        self._on_change(value)
        self._render()

    async def _pick(self) -> None:
        chosen = await pick_time(_('When did it start?'), self.value)
        if chosen is not None:
            self._set(chosen)

    def _render(self) -> None:
        self.row.clear()
        with self.row:
            for label, minutes in AGO.items():
                chosen = (not self.value) if minutes == 0 else False
                ui.button(_(label), on_click=lambda m=minutes: self._set(as_text(local_now() - timedelta(minutes=m))
                                                                        if m else '')) \
                    .props(f'no-caps rounded {"" if chosen else "outline"}').classes(TOUCH) \
                    .mark(f'start-{minutes}')
            ui.button(_('Pick…'), icon='event', on_click=self._pick).props('no-caps rounded outline').classes(TOUCH) \
                .mark('start-pick')
            started = _('Started {time}').format(time=shown(self.value)) if self.value else _('Started now')
            ui.label(started).classes('text-base').mark('start')


class TimeField:
    """A time field for gloves: shows the plant-local time, a tap opens the picker; `value` is the text."""

    def __init__(self, label: str, value: str, *, mark: str, optional: bool = True) -> None:
        self.label = label
        self._value = value  # the stored text; the field shows it as the screen writes moments
        self.input = ui.input(f'{label} ({zone_name()})', value=shown(value)).props('outlined readonly') \
            .classes('w-full').mark(mark)
        self.input.on('click', self._pick)
        with self.input.add_slot('append'):
            pick, clear = _('Pick {field}').format(field=label), _('Clear {field}').format(field=label)
            ui.button(icon='schedule', on_click=self._pick).props(f'flat round aria-label="{pick}"') \
                .classes(TOUCH).mark(f'{mark}-pick')
            if optional:
                ui.button(icon='close', on_click=lambda: self.set('')) \
                    .props(f'flat round aria-label="{clear}"').classes(TOUCH)

    @property
    def value(self) -> str:
        return self._value

    def set(self, value: str) -> None:
        self._value = value
        self.input.set_value(shown(value))

    async def _pick(self) -> None:
        chosen = await pick_time(self.label, self.value)
        if chosen is not None:
            self.set(chosen)
