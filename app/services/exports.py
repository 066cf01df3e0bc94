"""Exports in the caller's scope: problem logs and statistics as CSV and Excel (typed cells, dates as dates), their
headers, words and CSV separators in the current language (the API chooses it per request)."""
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlmodel import Session

from app import i18n
from app.config import get_settings
from app.db import select_rows
from app.errors import InvalidInput
from app.i18n import N_, _
from app.models import CTPMachine
from app.models.schemas import ProblemLogPage, ProblemLogPublic
from app.services import problem_queries
from app.services.access import Action, Actor, require, require_machine_visible
from app.services.problem_queries import ProblemFilter
from app.services.stats import MachineStats

PAGE = 500
FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')
PROBLEM_COLUMNS = [  # header (untranslated: the export's language is chosen when it is built), attribute
    (N_('ID'), 'id'), (N_('Machine'), 'machine_name'), (N_('Problem date'), 'problem_date'), (N_('Status'), 'status'),
    (N_('Subsystem'), 'subsystem'), (N_('Category'), 'category'), (N_('Stopping'), 'is_stopping'),
    (N_('Planned'), 'is_planned'), (N_('Description'), 'problem_description'), (N_('Solution'), 'solution'),
    (N_('Start'), 'start_time'), (N_('End'), 'end_time'), (N_('Downtime (min)'), 'downtime_minutes'),
    (N_('Acknowledged'), 'acknowledged_at'), (N_('Resolved by'), 'resolved_by'),
    (N_('Technician type'), 'technician_type'), (N_('Technician'), 'technician_name'),
    (N_('Vendor called'), 'vendor_called_at'), (N_('Vendor arrived'), 'vendor_arrived_at'),
    (N_('Vendor ticket'), 'vendor_ticket'), (N_('Plates lost'), 'plates_lost'), (N_('Reported by'), 'created_by_name'),
]
STATS_COLUMNS = [
    (N_('Machine'), 'name'), (N_('Problems'), 'problem_count'), (N_('Failures'), 'failure_count'),
    (N_('Stops'), 'episodes'), (N_('Unplanned downtime (min)'), 'unplanned_downtime_minutes'),
    (N_('Planned downtime (min)'), 'planned_downtime_minutes'), (N_('MTTR (min)'), 'mttr_minutes'),
    (N_('MTBF (min)'), 'mtbf_minutes'), (N_('MTTA (min)'), 'mtta_minutes'),
    (N_('Vendor response (min)'), 'vendor_response_minutes'), (N_('Availability (shifts, %)'), 'availability'),
    (N_('Availability (24/7, %)'), 'availability_24_7'), (N_('Plates lost'), 'plates_lost'),
    (N_('Top cause'), 'top_cause'), (N_('Acknowledgements (n)'), 'ack_count'),
    (N_('Vendor visits (n)'), 'vendor_count'), (N_('First-time fix rate (%)'), 'first_time_fix_rate'),
    (N_('Reopens'), 'reopen_count'), (N_('Not machine faults (n)'), 'not_machine_fault_count'),
    (N_('Not machine faults (min)'), 'not_machine_fault_minutes'), (N_('From'), 'window_from'), (N_('To'), 'window_to'),
    (N_('PM due (n)'), 'pm_due'), (N_('PM done on time (n)'), 'pm_on_time'),
    (N_('PM compliance (%)'), 'pm_compliance'), (N_('PM overdue now (n)'), 'pm_overdue'),  # preventive maintenance
]


# What the screens say instead of stored values (components/design.py has the same words for the pages).
WORDS: dict[str, dict[str, str]] = {
    'status': {'open': N_('Open'), 'in_progress': N_('In progress'), 'completed': N_('Completed'),
               'cancelled': N_('Cancelled')},
    'technician_type': {'internal': N_('Internal'), 'vendor': N_('Vendor')},
    'resolved_by': {'operator': N_('Operator'), 'internal_technician': N_('Internal technician'),
                    'vendor_remote': N_('Vendor (remote)'), 'vendor_onsite': N_('Vendor (on site)')},
}
PLANT_TIMES = {'start_time', 'end_time', 'acknowledged_at', 'vendor_called_at', 'vendor_arrived_at'}
PERCENTS = {'availability', 'availability_24_7', 'first_time_fix_rate', 'pm_compliance'}
PM_FIELDS = ('pm_due', 'pm_on_time', 'pm_compliance', 'pm_overdue')


def problem_headers() -> list[str]:
    """The column titles; times say their zone (the cells are plant-local, spreadsheets keep no zone)."""
    zone = get_settings().timezone
    return [_('{column} ({zone})').format(column=_(header), zone=zone) if attr in PLANT_TIMES else _(header)
            for header, attr in PROBLEM_COLUMNS]


def stats_headers() -> list[str]:
    return [_(header) for header, _attr in STATS_COLUMNS]


def file_name(session: Session, *, actor: Actor, kind: str, first: date, last: date,
              machine_id: int | None = None) -> str:
    """'ctp-problems-kodak-magnus-q800-2026-10-01-2026-10-31': what, which machine (or all) and the range."""
    machine = require_machine_visible(session, actor, machine_id) if machine_id is not None else None
    scope = re.sub(r'[^a-z0-9]+', '-', machine.name.lower()).strip('-') if machine is not None else 'all-machines'
    return f'ctp-{kind}-{scope or "machine"}-{first}-{last}'


def _shown(attr: str, value: object) -> object:
    """A cell as the screen shows it: words for stored values, Yes/No, plant-local times."""
    if isinstance(value, bool):
        return _('Yes') if value else _('No')
    if attr in WORDS and value is not None:
        raw = str(getattr(value, 'value', value))
        return _(WORDS[attr][raw]) if raw in WORDS[attr] else raw
    return _local(value)


def iter_problems(session: Session, *, actor: Actor, filters: ProblemFilter) -> Iterator[ProblemLogPublic]:
    """Every problem matching the filters in the actor's scope, page by page. More than CTP_EXPORT_MAX_ROWS is
    refused (400) on the first page, before anything is built from them."""
    require(actor, Action.READ_STATS)
    first = _page(session, actor, filters, 0)
    return _pages(session, actor, filters, first)


def _page(session: Session, actor: Actor, filters: ProblemFilter, offset: int) -> ProblemLogPage:
    page = problem_queries.list_problems(session, actor=actor, filters=replace(filters, limit=PAGE, offset=offset))
    cap = get_settings().export_max_rows
    if page.total > cap:  # checked on every page: rows reported while the export runs count too
        raise InvalidInput(N_('this export has {count} rows: narrow the date range or the filters, at most {cap} '
                              'rows per export'), field='from', count=page.total, cap=cap)
    return page


def _pages(session: Session, actor: Actor, filters: ProblemFilter, page: ProblemLogPage) -> Iterator[ProblemLogPublic]:
    offset = 0
    while True:
        yield from page.items
        offset += PAGE
        if offset >= page.total or not page.items:
            return
        page = _page(session, actor, filters, offset)


def _local(value: object) -> object:
    """Datetimes in plant-local time without a zone (spreadsheets have none); enums as their value."""
    if isinstance(value, datetime):
        return value.astimezone(get_settings().zone).replace(tzinfo=None, microsecond=0)
    return getattr(value, 'value', value)


def inert(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def problem_rows(problems: Iterator[ProblemLogPublic]) -> Iterator[list[object]]:
    for problem in problems:
        yield [_shown(attr, getattr(problem, attr)) for _, attr in PROBLEM_COLUMNS]


def to_csv(headers: list[str], rows: Iterator[list[object]]) -> bytes:
    """CSV with the current language's separators, as its spreadsheets open it by default: German ';' between
    fields and a decimal comma (12,5), English ',' and a decimal point; dates stay ISO (2026-11-03 14:05)."""
    delimiter, decimal = i18n.csv_separators()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_cell(v, decimal) for v in row])
    return ('\ufeff' + buffer.getvalue()).encode('utf-8')  # BOM: Excel opens UTF-8 CSV correctly


def _csv_cell(value: object, decimal: str = '.') -> object:
    if value is None:
        return ''
    if isinstance(value, datetime):
        return value.isoformat(sep=' ')
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value).replace('.', decimal)
    return inert(value)


def _xlsx_cell(value: object) -> object:
    """Spreadsheets cannot hold control characters: drop them from text (it is shown, never parsed)."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub('', value)
    return value


def _as_text(cell: Cell | MergedCell) -> None:
    """openpyxl stores a string starting with '=' as a formula: keep formula-like text a string, shown as text by
    Excel even when the cell is edited (quotePrefix), with its value unchanged (no apostrophe, unlike CSV)."""
    if cell.data_type == 'f' or (isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS)):
        cell.data_type = 's'
        cell.quotePrefix = True


def to_xlsx(title: str, headers: list[str], rows: Iterator[list[object]]) -> bytes:
    """A real spreadsheet: numbers as numbers, dates as dates, text never evaluated."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(headers)
    widths = [len(h) for h in headers]
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
        widths = [max(w, min(60, len(str(v or '')))) for w, v in zip(widths, row, strict=True)]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width + 2
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            _as_text(cell)
            if isinstance(cell.value, datetime):
                cell.number_format = 'yyyy-mm-dd hh:mm'
            elif isinstance(cell.value, date):
                cell.number_format = 'yyyy-mm-dd'
    sheet.freeze_panes = 'A2'
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def problems_export(session: Session, *, actor: Actor, filters: ProblemFilter, fmt: str) -> bytes:
    headers = problem_headers()
    rows = problem_rows(iter_problems(session, actor=actor, filters=filters))
    return to_csv(headers, rows) if fmt == 'csv' else to_xlsx(_('Problem logs'), headers, rows)


def stats_rows(session: Session, per_machine: dict[int, MachineStats], total: MachineStats,
               window: tuple[date, date] | None = None,
               pm: dict[int | None, tuple[object, ...]] | None = None) -> Iterator[list[object]]:
    """A row per machine counted in the window (its life, up to now), then the plant total; `window` the dates;
    `pm` the maintenance figures per machine (None: the total)."""
    names = {m.id: m.name for m in select_rows(session, select(CTPMachine)).scalars()}
    pm = pm or {}
    for machine_id, stats in sorted(per_machine.items(), key=lambda kv: -kv[1].unplanned_downtime_minutes):
        if stats.counted:
            yield _stats_row(names.get(machine_id, '?'), stats, window, pm.get(machine_id))
    yield _stats_row(_('Plant total'), total, window, pm.get(None))


def _stats_row(name: str, stats: MachineStats, window: tuple[date, date] | None,
               pm: tuple[object, ...] | None = None) -> list[object]:
    values: dict[str, object] = {**vars(stats), **dict(zip(PM_FIELDS, pm or (None,) * 4, strict=True)),
                                 'name': name, 'mttr_minutes': stats.mttr_minutes,
                                 'mtbf_minutes': stats.mtbf_minutes, 'availability': stats.availability,
                                 'availability_24_7': stats.availability_24_7,
                                 'first_time_fix_rate': stats.first_time_fix_rate,
                                 'window_from': window[0] if window else None,
                                 'window_to': window[1] if window else None,
                                 'top_cause': stats.top_causes[0].subsystem if stats.top_causes else None}
    return [_percent(values[attr]) if attr in PERCENTS else _round(values[attr]) for _, attr in STATS_COLUMNS]


def _percent(share: object) -> object:
    return round(share * 100, 1) if isinstance(share, float) else share  # as on screen: 97.3, not 0.973


def _round(value: object) -> object:
    return round(value, 4) if isinstance(value, float) else value
