"""Colours, icons and words per status (never colour alone), and shared class strings."""
import re
from datetime import datetime
from typing import Any

from nicegui import App

from app import i18n
from app.i18n import N_, _
from app.models import MachineStatus

STATUS_LOOK: dict[str, tuple[str, str, str]] = {  # status -> (Quasar colour, Material icon, word, untranslated)
    MachineStatus.DOWN: ('red-8', 'cancel', N_('DOWN')),
    MachineStatus.MAINTENANCE: ('blue-8', 'build', N_('MAINTENANCE')),
    MachineStatus.DEGRADED: ('amber-8', 'warning', N_('DEGRADED')),
    MachineStatus.OPERATIONAL: ('green-9', 'check_circle', N_('RUNNING')),
    MachineStatus.RETIRED: ('grey-7', 'inventory_2', N_('RETIRED')),
}
# Every colour with white text on it, and white on every background, reaches WCAG AA contrast (4.5:1): the status
# colours above, and Quasar's brand colours here (NiceGUI's default primary #5898d4 gives white text only 3:1).
BRAND_COLOURS = {'primary': '#1565c0', 'positive': '#2e7d32', 'negative': '#c10015', 'info': '#0277bd'}
# The screen's title as a screen reader lists it: one level-1 heading per screen (its sections level 2)
TITLE, SECTION = 'role=heading aria-level=1', 'role=heading aria-level=2'
TOUCH = 'min-h-[48px] min-w-[48px]'  # a gloved finger's target, in CSS px (WCAG 2.5.5)
TOUCH_LINK = f'inline-flex items-center justify-center {TOUCH}'  # a link is inline: min sizes need a box
# For every screen in the frame: Quasar draws a button 36 px high, a sortable table header 28 px; each is a target
# of 48 px here, dialogs' and tables' own buttons included (the date and time pickers keep their calendar grid).
# Links reach AA contrast on the light and on the dark page. In NiceGUI's `components` layer: Tailwind classes on
# an element still win.
TOUCH_CSS = '''<style>
@layer components {
  .q-btn:not(.q-date .q-btn, .q-time .q-btn) { min-height: 48px; min-width: 48px; }
  .q-table th.sortable { height: 48px; }
  .ctp-table-scroll .q-table__middle { overflow: visible; }
  .nicegui-link { color: #1d4ed8; }
  .body--dark .nicegui-link { color: #93c5fd; }
}
/* The dark theme: the brand colours and the mid greys are made for a white page; on the dark page outline and flat
   buttons, text in a brand colour and secondary text take light variants (AA, 4.5:1). Quasar's colour classes are
   `!important` in NiceGUI's last layer; an important rule of an earlier layer (`overrides`) wins over them. */
@layer overrides {
  .body--dark .text-primary { color: #90caf9 !important; }
  .body--dark .text-negative { color: #ff8a80 !important; }
  .body--dark .text-positive { color: #a5d6a7 !important; }
  .body--dark .text-grey-6, .body--dark .text-grey-7, .body--dark .text-grey-8, .body--dark .text-gray-500,
  .body--dark .text-gray-600, .body--dark .text-gray-700, .body--dark .text-slate-500,
  .body--dark .text-slate-600 { color: #cbd5e1 !important; }
  .body--dark .text-red-600, .body--dark .text-red-700 { color: #fca5a5 !important; }
  .body--dark .text-amber-900 { color: #fcd34d !important; }
}
</style>'''


def install(app: App) -> None:
    """Every screen's look, before any page: the brand colours (screens, dialogs, toasts), and Quasar's loading bar
    (2 px along the top while a request of the page runs, a photo's upload) hidden from screen readers: it is
    decoration beside the uploader's own progress, and a progress bar without a name is a serious axe violation."""
    app.colors(**BRAND_COLOURS)
    app.config.quasar_config.setdefault('loadingBar', {})['aria-hidden'] = 'true'  # passed on to the bar's element


def status_look(status: str) -> tuple[str, str, str]:
    """(colour, icon, word) of a machine status, the word in the screen's language."""
    look = STATUS_LOOK.get(status)
    return (look[0], look[1], _(look[2])) if look else ('grey-7', 'help', status.upper())


def duration_text(minutes: float) -> str:
    """'1 h 12 min', '45 min', '2 d 3 h' (German: '1 Std. 12 Min.'), in the screen's language."""
    return i18n.duration_text(minutes)


PROBLEM_LOOK: dict[str, tuple[str, str]] = {  # problem status -> (Quasar colour, word, untranslated)
    'open': ('red-8', N_('Open')),
    'in_progress': ('deep-orange-10', N_('In progress')),
    'completed': ('green-9', N_('Completed')),
    'cancelled': ('grey-7', N_('Cancelled')),
}
RESOLVED_BY_WORDS: dict[str, str] = {  # untranslated: resolved_by_words() / resolved_by_text() translate
    'operator': N_('Operator'),
    'internal_technician': N_('Internal technician'),
    'vendor_remote': N_('Vendor (remote)'),
    'vendor_onsite': N_('Vendor (on site)'),
}
TECHNICIAN_WORDS = {'internal': N_('Internal'), 'vendor': N_('Vendor')}  # untranslated


def resolved_by_words() -> dict[str, str]:
    """Who resolved a problem, each choice in the screen's language (for a select)."""
    return {key: _(word) for key, word in RESOLVED_BY_WORDS.items()}


def resolved_by_text(key: str | None) -> str:
    """'Internal technician' / 'Interner Techniker'; '—' for none."""
    return _(RESOLVED_BY_WORDS[key]) if key in RESOLVED_BY_WORDS else (key or '—')
CARD_GRID = 'w-full grid gap-4 grid-cols-1 sm:grid-cols-2 lg:grid-cols-3 2xl:grid-cols-4'
BIG_BUTTON = 'min-h-[56px] text-base'


def problem_look(status: str) -> tuple[str, str]:
    """(colour, word) of a problem status, the word in the screen's language."""
    look = PROBLEM_LOOK.get(status)
    return (look[0], _(look[1])) if look else ('grey-7', status)


def local_text(moment: datetime | None, *, with_date: bool = True) -> str:
    """A UTC instant as plant-local text: '25 Nov 14:05' / '25. Nov. 14:05' (or '14:05'); '—' for none."""
    if moment is None:
        return '—'
    return i18n.date_time_text(moment) if with_date else i18n.time_text(moment)


def minutes_text(minutes: float | None) -> str:
    """KPI minutes for display; None (no episodes) is a dash."""
    return '—' if minutes is None else duration_text(minutes)


def percent_text(share: float | None) -> str:
    """'12.5 %' / '12,5 %'; None is a dash."""
    return '—' if share is None else i18n.percent_text(share)


FIELD_WORDS = {  # the form's words for the API's field names (translated where shown)
    'problem_description': N_('Description'), 'category_id': N_('Category'), 'is_stopping': N_('Machine stopped'),
    'is_planned': N_('Planned'), 'start_time': N_('Started'), 'end_time': N_('Ended'), 'solution': N_('Solution'),
    'resolved_by': N_('Resolved by'), 'technician_type': N_('Technician'),
    'technician_name': N_('Technician name'), 'vendor_called_at': N_('Vendor called'),
    'vendor_arrived_at': N_('Vendor arrived'), 'vendor_ticket': N_('Vendor ticket'), 'plates_lost': N_('Plates lost'),
    'status': N_('Status'), 'reason': N_('Reason'), 'owner': N_('Who has it'), 'owner_id': N_('Colleague'),
    'comment': N_('Comment'), 'body': N_('Comment'), 'photo': N_('Photo'), 'problem_date': N_('Problem date')}
_FIELD_NAME = re.compile(r'\b(' + '|'.join(sorted((name for name in FIELD_WORDS if '_' in name), key=len,
                                                   reverse=True)) + r')\b')  # code names only, not 'solution'


def field_words(text: str) -> str:
    """Field names in a message as the form calls them: 'start_time cannot be …' → 'Started cannot be …'."""
    return _FIELD_NAME.sub(lambda match: _(FIELD_WORDS[match.group(1)]), text)


def _validation_text(error: dict[str, Any]) -> str:
    field = str(error['loc'][-1])
    name = _(FIELD_WORDS[field]) if field in FIELD_WORDS else field.replace('_', ' ').capitalize()
    context, given = error.get('ctx') or {}, error.get('input')
    if error['type'] == 'string_too_long':
        return _('{field}: at most {limit} characters (this has {count}); shorten it').format(
            field=name, limit=context['max_length'], count=len(str(given)))
    if error['type'] in ('missing', 'string_too_short'):
        return _('{field}: fill this in').format(field=name)
    return f'{name}: {error["msg"][0].lower()}{error["msg"][1:]}'


def error_text(error: Exception) -> str:
    """A DomainError's message, or a validation error, in the form's words: 'Technician name: at most 120
    characters (this has 130); shorten it' (no raw dumps or field names on screen)."""
    errors = getattr(error, 'errors', None)
    if callable(errors):
        return '; '.join(_validation_text(e) for e in errors())
    text = field_words(str(error))
    return text[0].upper() + text[1:] if text else text
