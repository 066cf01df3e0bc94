"""A problem's audit entries in the form's words: "Resolved by: — → Internal technician", "Status: In progress →
Completed", never field names or enum values."""
from datetime import datetime

from app.models.schemas import AuditEntryPublic
from components.design import FIELD_WORDS, PROBLEM_LOOK, RESOLVED_BY_WORDS, local_text

ACTION_WORDS = {'create': 'Reported', 'update': 'Changed', 'acknowledge': 'Took it', 'complete': 'Completed',
                'reopen': 'Reopened', 'cancel': 'Cancelled', 'delete': 'Deleted', 'photo_added': 'Added a photo',
                'photo_removed': 'Removed a photo', 'hand_over': 'Handed over', 'comment': 'Commented',
                'undo': 'Undid the report'}
VALUE_WORDS = {**RESOLVED_BY_WORDS, **{key: word for key, (_, word) in PROBLEM_LOOK.items()},
               'internal': 'Internal', 'vendor': 'Vendor', 'True': 'Yes', 'False': 'No'}
TIME_FIELDS = frozenset({'start_time', 'end_time', 'vendor_called_at', 'vendor_arrived_at'})


def value_text(field: str, value: str | None) -> str:
    if value is None or value == '':
        return '—'
    if field in TIME_FIELDS:
        try:
            return local_text(datetime.fromisoformat(value))
        except ValueError:
            return value
    return VALUE_WORDS.get(value, value)


def history_text(entry: AuditEntryPublic) -> str:
    """'Changed · Resolved by: — → Internal technician'; a field alone when nothing was there before."""
    action = ACTION_WORDS.get(entry.action, entry.action.replace('_', ' ').capitalize())
    if not entry.field:
        return action
    name = FIELD_WORDS.get(entry.field, entry.field.replace('_', ' ').capitalize())
    if entry.old is None and entry.field in ('reason', 'comment', 'owner'):
        return f'{action} · {name}: {value_text(entry.field, entry.new)}'
    return f'{action} · {name}: {value_text(entry.field, entry.old)} → {value_text(entry.field, entry.new)}'
