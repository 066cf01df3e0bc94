"""Colours, icons and words per status (never colour alone), and shared class strings."""
import re
from datetime import datetime
from typing import Any

from app.config import get_settings
from app.models import MachineStatus

STATUS_LOOK: dict[str, tuple[str, str, str]] = {  # status -> (Quasar colour, Material icon, word)
    MachineStatus.DOWN: ('red-8', 'cancel', 'DOWN'),
    MachineStatus.MAINTENANCE: ('blue-8', 'build', 'MAINTENANCE'),
    MachineStatus.DEGRADED: ('amber-8', 'warning', 'DEGRADED'),
    MachineStatus.OPERATIONAL: ('green-8', 'check_circle', 'RUNNING'),
    MachineStatus.RETIRED: ('grey-7', 'inventory_2', 'RETIRED'),
}
TOUCH = 'min-h-[48px] min-w-[48px]'


def status_look(status: str) -> tuple[str, str, str]:
    return STATUS_LOOK.get(status, ('grey-7', 'help', status.upper()))


def duration_text(minutes: float) -> str:
    """'1 h 12 min', '45 min', '2 d 3 h'."""
    total = int(round(minutes))
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f'{days} d {hours} h'
    return f'{hours} h {mins} min' if hours else f'{mins} min'


PROBLEM_LOOK: dict[str, tuple[str, str]] = {  # problem status -> (Quasar colour, word)
    'open': ('red-8', 'Open'),
    'in_progress': ('orange-9', 'In progress'),
    'completed': ('green-8', 'Completed'),
    'cancelled': ('grey-7', 'Cancelled'),
}
RESOLVED_BY_WORDS: dict[str, str] = {
    'operator': 'Operator',
    'internal_technician': 'Internal technician',
    'vendor_remote': 'Vendor (remote)',
    'vendor_onsite': 'Vendor (on site)',
}
CARD_GRID = 'w-full grid gap-4 grid-cols-1 sm:grid-cols-2 lg:grid-cols-3 2xl:grid-cols-4'
BIG_BUTTON = 'min-h-[56px] text-base'


def problem_look(status: str) -> tuple[str, str]:
    return PROBLEM_LOOK.get(status, ('grey-7', status))


def local_text(moment: datetime | None, *, with_date: bool = True) -> str:
    """A UTC instant as plant-local text: '25 Nov 14:05' (or '14:05'); '—' for none."""
    if moment is None:
        return '—'
    local = moment.astimezone(get_settings().zone)
    return local.strftime('%d %b %H:%M') if with_date else local.strftime('%H:%M')


def minutes_text(minutes: float | None) -> str:
    """KPI minutes for display; None (no episodes) is a dash."""
    return '—' if minutes is None else duration_text(minutes)


def percent_text(share: float | None) -> str:
    return '—' if share is None else f'{share * 100:.1f} %'


FIELD_WORDS = {'problem_description': 'Description', 'category_id': 'Category', 'is_stopping': 'Machine stopped',
               'is_planned': 'Planned', 'start_time': 'Started', 'end_time': 'Ended', 'solution': 'Solution',
               'resolved_by': 'Resolved by', 'technician_type': 'Technician', 'technician_name': 'Technician name',
               'vendor_called_at': 'Vendor called', 'vendor_arrived_at': 'Vendor arrived',
               'vendor_ticket': 'Vendor ticket', 'plates_lost': 'Plates lost', 'status': 'Status',
               'reason': 'Reason', 'owner': 'Who has it', 'owner_id': 'Colleague', 'comment': 'Comment',
               'body': 'Comment', 'photo': 'Photo', 'problem_date': 'Problem date'}
_FIELD_NAME = re.compile(r'\b(' + '|'.join(sorted((name for name in FIELD_WORDS if '_' in name), key=len,
                                                   reverse=True)) + r')\b')  # code names only, not 'solution'


def field_words(text: str) -> str:
    """Field names in a message as the form calls them: 'start_time cannot be …' → 'Started cannot be …'."""
    return _FIELD_NAME.sub(lambda match: FIELD_WORDS[match.group(1)], text)


def _validation_text(error: dict[str, Any]) -> str:
    name = FIELD_WORDS.get(str(error['loc'][-1]), str(error['loc'][-1]).replace('_', ' ').capitalize())
    context, given = error.get('ctx') or {}, error.get('input')
    if error['type'] == 'string_too_long':
        return f'{name}: at most {context["max_length"]} characters (this has {len(str(given))}); shorten it'
    if error['type'] in ('missing', 'string_too_short'):
        return f'{name}: fill this in'
    return f'{name}: {error["msg"][0].lower()}{error["msg"][1:]}'


def error_text(error: Exception) -> str:
    """A DomainError's message, or a validation error, in the form's words: 'Technician name: at most 120
    characters (this has 130); shorten it' (no raw dumps or field names on screen)."""
    errors = getattr(error, 'errors', None)
    if callable(errors):
        return '; '.join(_validation_text(e) for e in errors())
    text = field_words(str(error))
    return text[0].upper() + text[1:] if text else text
