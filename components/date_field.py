"""DateField: a day written as the rest of the screen writes it (app.i18n.date_text: '03 Nov 2026' / '03.11.2026'),
typed or picked from a calendar in the screen's language (Quasar's language pack, components/language.py)."""
from collections.abc import Callable
from datetime import date

from nicegui import ui

from app import i18n
from app.i18n import _
from components.design import TOUCH

EXAMPLE = date(2026, 11, 3)  # the example day of the format hint


class DateField:
    """A date input with a calendar button; `value` is the day (None when empty), ValueError names the field."""

    def __init__(self, label: str, value: date | None, *, mark: str,
                 on_change: Callable[[], object] | None = None) -> None:
        self.label = label
        self._on_change = on_change
        hint = _('like {example}').format(example=i18n.date_text(EXAMPLE))
        self.input = ui.input(label, value=i18n.date_text(value) if value else '', validation=self._problem) \
            .props(f'outlined hint="{hint}"').classes('w-48').mark(mark)
        with self.input.add_slot('append'):
            with ui.button(icon='event').props('flat round').classes(TOUCH).mark(f'{mark}-pick') as button:
                button.props['aria-label'] = _('Pick {field}').format(field=label)
                with ui.menu() as self.menu:
                    self.picker = ui.date(value=value.isoformat() if value else None, mask='YYYY-MM-DD',
                                          on_change=self._picked).mark(f'{mark}-calendar')

    @property
    def value(self) -> date | None:
        """The day in the field; ValueError ('From: write a date like 03 Nov 2026') when it is not one."""
        text = str(self.input.value or '').strip()
        if not text:
            return None
        try:
            return i18n.parse_date_text(text)
        except ValueError as error:
            raise ValueError(self._format_error()) from error

    def set(self, day: date | None) -> None:
        """Show `day` (a preset filled the field)."""
        self.input.value = i18n.date_text(day) if day else ''
        self.picker.value = day.isoformat() if day else None

    def _format_error(self) -> str:
        return _('{field}: write a date like {example}').format(field=self.label, example=i18n.date_text(EXAMPLE))

    def _problem(self, text: str | None) -> str | None:
        """The field's own error line while typing."""
        try:
            if text and text.strip():
                i18n.parse_date_text(text)
        except ValueError:
            return self._format_error()
        return None

    def _picked(self) -> None:
        if isinstance(self.picker.value, str) and self.picker.value:
            self.input.value = i18n.date_text(date.fromisoformat(self.picker.value.replace('/', '-')))
            self.menu.close()
            if self._on_change is not None:
                self._on_change()
