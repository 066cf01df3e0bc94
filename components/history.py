"""A problem's audit entries in the form's words: "Resolved by: — → Internal technician", "Status: In progress →
Completed", never field names or enum values."""
from datetime import datetime

from app.i18n import N_, _
from app.models.schemas import AuditEntryPublic
from app.services.problem_logs import UNDO_REASON
from components.design import FIELD_WORDS, PROBLEM_LOOK, RESOLVED_BY_WORDS, TECHNICIAN_WORDS, local_text

ACTION_WORDS = {'create': N_('Reported'), 'update': N_('Changed'), 'acknowledge': N_('Took it'),
                'complete': N_('Completed'), 'reopen': N_('Reopened'), 'cancel': N_('Cancelled'),
                'delete': N_('Deleted'), 'photo_added': N_('Added a photo'), 'photo_removed': N_('Removed a photo'),
                'hand_over': N_('Handed over'), 'comment': N_('Commented'), 'undo': N_('Undid the report')}
VALUE_WORDS = {**RESOLVED_BY_WORDS, **{key: word for key, (_colour, word) in PROBLEM_LOOK.items()},
               **TECHNICIAN_WORDS, 'True': N_('Yes'), 'False': N_('No'),
               UNDO_REASON: UNDO_REASON}  # untranslated
TIME_FIELDS = frozenset({'start_time', 'end_time', 'vendor_called_at', 'vendor_arrived_at'})


def value_text(field: str, value: str | None) -> str:
    if value is None or value == '':
        return '—'
    if field in TIME_FIELDS:
        try:
            return local_text(datetime.fromisoformat(value))
        except ValueError:
            return value
    return _(VALUE_WORDS[value]) if value in VALUE_WORDS else value


def history_text(entry: AuditEntryPublic) -> str:
    """'Changed · Resolved by: — → Internal technician'; a field alone when nothing was there before."""
    action = _(ACTION_WORDS[entry.action]) if entry.action in ACTION_WORDS \
        else entry.action.replace('_', ' ').capitalize()
    if not entry.field:
        return action
    name = _(FIELD_WORDS[entry.field]) if entry.field in FIELD_WORDS else entry.field.replace('_', ' ').capitalize()
    if entry.old is None and entry.field in ('reason', 'comment', 'owner'):
        return f'{action} · {name}: {value_text(entry.field, entry.new)}'
    return f'{action} · {name}: {value_text(entry.field, entry.old)} → {value_text(entry.field, entry.new)}'
