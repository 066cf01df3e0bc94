"""The stack's floor for bench/api_list.py: the list query in raw SQL on the same app, returning the same JSON."""
import base64
import json
import os
import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.config import get_settings
from app.db import sqlite_module

COLUMNS = ('id, machine_id, problem_date, problem_description, problem_photo, solution, technician_type, '
           'technician_name, start_time, end_time, status, created_by, created_at, updated_at, category_id, '
           'is_stopping, is_planned, acknowledged_at, acknowledged_by, resolved_by, vendor_called_at, '
           'vendor_arrived_at, vendor_ticket, plates_lost, cancel_reason, downtime_minutes, version')
TIMES = ('start_time', 'end_time', 'created_at', 'updated_at', 'acknowledged_at', 'vendor_called_at',
         'vendor_arrived_at')
_local = threading.local()


def _conn() -> Any:
    if not hasattr(_local, 'conn'):
        path = os.environ['CTP_DATABASE_URL'].removeprefix('sqlite:///')
        _local.conn = sqlite_module().connect(path, check_same_thread=False)
        _local.conn.execute(f'PRAGMA cache_size={-1024 * get_settings().sqlite_cache_mb}')  # as the app's engine
        _local.labels = {row[0]: row[1:] for row in _local.conn.execute(
            'SELECT c.id, coalesce(p.name, c.name), p.name IS NOT NULL, c.name FROM categories c '
            'LEFT JOIN categories p ON p.id = c.parent_id')}
        _local.machines = dict(_local.conn.execute('SELECT id, name FROM ctp_machines'))
        _local.users = dict(_local.conn.execute('SELECT id, name FROM users'))
    return _local.conn


def _where(params: dict[str, Any]) -> tuple[str, list[Any]]:
    clauses, args = ['deleted_at IS NULL'], []
    if 'machine_id' in params:
        clauses.append('machine_id = ?')
        args.append(int(params['machine_id']))
    if params.get('status'):
        clauses.append('status = ?')
        args.append(params['status'])
    if params.get('q'):
        clauses.append('id IN (SELECT rowid FROM ctp_problem_logs_fts WHERE ctp_problem_logs_fts MATCH ?)')
        args.append(f'"{params["q"]}"*')
    return ' AND '.join(clauses), args


def _iso(value: str | None) -> str | None:
    return None if value is None else value.replace(' ', 'T') + 'Z'


def _item(row: tuple[Any, ...], names: list[str]) -> dict[str, Any]:
    item = dict(zip(names, row, strict=True))
    for key in TIMES:
        item[key] = _iso(item[key])
    subsystem, is_symptom, name = _local.labels.get(item['category_id'], (None, False, None))
    item.update(machine_name=_local.machines.get(item['machine_id'], '?'), photos=[],
                created_by_name=_local.users.get(item['created_by']), subsystem=subsystem,
                category=f'{subsystem} – {name}' if is_symptom else subsystem,
                is_stopping=bool(item['is_stopping']), is_planned=bool(item['is_planned']))
    return item


def page(params: dict[str, Any]) -> dict[str, Any]:
    conn = _conn()
    where, args = _where(params)
    limit = int(params.get('limit', 50))
    total = None
    if params.get('q') and not params.get('cursor'):  # as the API: a search counts in the page's pass
        columns = 'id, count(*) OVER () AS _total'
    else:
        columns = 'id'
        total = conn.execute(f'SELECT count(*) FROM ctp_problem_logs WHERE {where}', args).fetchone()[0]
    if params.get('cursor'):
        raw = params['cursor'] + '=' * (-len(params['cursor']) % 4)
        _, value, last_id = json.loads(base64.urlsafe_b64decode(raw))
        value = value.replace('T', ' ').removesuffix('+00:00')
        where += ' AND start_time <= ? AND (start_time < ? OR id < ?)'
        args += [value, value, last_id]
    keys = conn.execute(f'SELECT {columns} FROM ctp_problem_logs WHERE {where} '
                        'ORDER BY start_time DESC, id DESC LIMIT ?', [*args, limit + 1]).fetchall()
    if total is None:
        total = keys[0][1] if keys else 0
    ids = [key[0] for key in keys]  # as the API: sort and cut narrow keys, then read the page's rows
    cursor = conn.execute(f'SELECT {COLUMNS} FROM ctp_problem_logs WHERE id IN ({",".join("?" * len(ids))})', ids)
    names = [d[0] for d in cursor.description]
    by_id = {row[0]: _item(row, names) for row in cursor.fetchall()}
    rows = [by_id[key] for key in ids]
    more, rows = len(rows) > limit, rows[:limit]
    next_cursor = None
    if more:
        last = rows[-1]
        start = last['start_time'].removesuffix('Z') + '+00:00'
        next_cursor = base64.urlsafe_b64encode(json.dumps(['-start_time', start, last['id']]).encode())
        next_cursor = next_cursor.decode().rstrip('=')
    return {'items': rows, 'total': total, 'next_cursor': next_cursor}


def install_floor(app: FastAPI) -> None:
    async def floor(request: Request) -> JSONResponse:
        return JSONResponse(await run_in_threadpool(page, dict(request.query_params)))
    app.add_api_route('/bench/floor', floor, methods=['GET'], include_in_schema=False)
