"""Logs cannot be forged (issue 18): control characters a client sends are escaped, one record stays one line, and
not-found warnings drop the query string (a mistyped pairing link would put its code in the log)."""
import logging

import httpx
import pytest


def _ctp_lines(records: list[logging.LogRecord]) -> list[str]:
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == 'ctp']
    return [handler.format(record) for record in records if record.name != 'httpx' and handler.filter(record)]


async def test_a_crafted_path_cannot_forge_a_log_line(client: httpx.AsyncClient,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await client.get('/photos/x%0aFORGEDLINE%20CRITICAL%20fake%00?code=PAIR-SECRET-123')
    lines = [line for line in _ctp_lines(caplog.records) if 'FORGEDLINE' in line]
    assert lines, 'the not-found warning was logged'
    for line in lines:
        assert '\n' not in line and '\x00' not in line and '\\x0a' in line
        assert 'PAIR-SECRET-123' not in line
