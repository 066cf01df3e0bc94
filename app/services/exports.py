"""Exports in the caller's scope: problem logs and statistics as CSV and Excel (typed cells, dates as dates)."""
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlmodel import Session

from app.config import get_settings
from app.errors import InvalidInput
from app.i18n import N_
from app.models import CTPMachine
from app.models.schemas import ProblemLogPage, ProblemLogPublic
from app.services import problem_queries
from app.services.access import Action, Actor, require, require_machine_visible
from app.services.problem_queries import ProblemFilter
from app.services.stats import MachineStats

PAGE = 500
FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')
PROBLEM_COLUMNS = [  # header, attribute
    ('ID', 'id'), ('Machine', 'machine_name'), ('Problem date', 'problem_date'), ('Status', 'status'),
    ('Subsystem', 'subsystem'), ('Category', 'category'), ('Stopping', 'is_stopping'), ('Planned', 'is_planned'),
    ('Description', 'problem_description'), ('Solution', 'solution'), ('Start', 'start_time'), ('End', 'end_time'),
    ('Downtime (min)', 'downtime_minutes'), ('Acknowledged', 'acknowledged_at'), ('Resolved by', 'resolved_by'),
    ('Technician type', 'technician_type'), ('Technician', 'technician_name'), ('Vendor called', 'vendor_called_at'),
    ('Vendor arrived', 'vendor_arrived_at'), ('Vendor ticket', 'vendor_ticket'), ('Plates lost', 'plates_lost'),
    ('Reported by', 'created_by_name'),
]
STATS_COLUMNS = [
    ('Machine', 'name'), ('Problems', 'problem_count'), ('Failures', 'failure_count'), ('Stops', 'episodes'),
    ('Unplanned downtime (min)', 'unplanned_downtime_minutes'), ('Planned downtime (min)', 'planned_downtime_minutes'),
    ('MTTR (min)', 'mttr_minutes'), ('MTBF (min)', 'mtbf_minutes'), ('MTTA (min)', 'mtta_minutes'),
    ('Vendor response (min)', 'vendor_response_minutes'), ('Availability (shifts, %)', 'availability'),
    ('Availability (24/7, %)', 'availability_24_7'), ('Plates lost', 'plates_lost'), ('Top cause', 'top_cause'),
    ('Acknowledgements (n)', 'ack_count'), ('Vendor visits (n)', 'vendor_count'),
    ('First-time fix rate (%)', 'first_time_fix_rate'), ('Reopens', 'reopen_count'),
    ('Not machine faults (n)', 'not_machine_fault_count'), ('Not machine faults (min)', 'not_machine_fault_minutes'),
    ('From', 'window_from'), ('To', 'window_to'),
]


# What the screens say instead of stored values (components/design.py has the same words for the pages).
WORDS: dict[str, dict[str, str]] = {
    'status': {'open': 'Open', 'in_progress': 'In progress', 'completed': 'Completed', 'cancelled': 'Cancelled'},
    'technician_type': {'internal': 'Internal', 'vendor': 'Vendor'},
    'resolved_by': {'operator': 'Operator', 'internal_technician': 'Internal technician',
                    'vendor_remote': 'Vendor (remote)', 'vendor_onsite': 'Vendor (on site)'},
}
PLANT_TIMES = {'start_time', 'end_time', 'acknowledged_at', 'vendor_called_at', 'vendor_arrived_at'}
PERCENTS = {'availability', 'availability_24_7', 'first_time_fix_rate'}


def problem_headers() -> list[str]:
    """The column titles; times say their zone (the cells are plant-local, spreadsheets keep no zone)."""
    zone = get_settings().timezone
    return [f'{header} ({zone})' if attr in PLANT_TIMES else header for header, attr in PROBLEM_COLUMNS]


def file_name(session: Session, *, actor: Actor, kind: str, first: date, last: date,
              machine_id: int | None = None) -> str:
    """'ctp-problems-kodak-magnus-q800-2026-10-01-2026-10-31': what, which machine (or all) and the range."""
    machine = require_machine_visible(session, actor, machine_id) if machine_id is not None else None
    scope = re.sub(r'[^a-z0-9]+', '-', machine.name.lower()).strip('-') if machine is not None else 'all-machines'
    return f'ctp-{kind}-{scope or "machine"}-{first}-{last}'


def _shown(attr: str, value: object) -> object:
    """A cell as the screen shows it: words for stored values, Yes/No, plant-local times."""
    if isinstance(value, bool):
        return 'Yes' if value else 'No'
    if attr in WORDS and value is not None:
        raw = str(getattr(value, 'value', value))
        return WORDS[attr].get(raw, raw)
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
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ('\ufeff' + buffer.getvalue()).encode('utf-8')  # BOM: Excel opens UTF-8 CSV correctly


def _csv_cell(value: object) -> object:
    if value is None:
        return ''
    if isinstance(value, datetime):
        return value.isoformat(sep=' ')
    if isinstance(value, date):
        return value.isoformat()
    return inert(value)


def _xlsx_cell(value: object) -> object:
    """Spreadsheets cannot hold control characters: drop them from text (it is shown, never parsed)."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub('', value)
    return value


def _as_text(cell: Cell) -> None:
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
    return to_csv(headers, rows) if fmt == 'csv' else to_xlsx('Problem logs', headers, rows)


def stats_rows(session: Session, per_machine: dict[int, MachineStats], total: MachineStats,
               window: tuple[date, date] | None = None) -> Iterator[list[object]]:
    """A row per machine counted in the window (its life, up to now), then the plant total; `window` the dates."""
    names = {m.id: m.name for m in session.exec(select(CTPMachine)).scalars()}
    for machine_id, stats in sorted(per_machine.items(), key=lambda kv: -kv[1].unplanned_downtime_minutes):
        if stats.counted:
            yield _stats_row(names.get(machine_id, '?'), stats, window)
    yield _stats_row('Plant total', total, window)


def _stats_row(name: str, stats: MachineStats, window: tuple[date, date] | None) -> list[object]:
    values: dict[str, object] = {**vars(stats), 'name': name, 'mttr_minutes': stats.mttr_minutes,
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
