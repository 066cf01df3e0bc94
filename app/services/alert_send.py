"""Delivering one alert (issue 23): e-mail over SMTP (aiosmtplib), signed JSON webhooks, Teams and Slack messages.

Every format escapes the alert's text for itself (HTML for e-mail and Teams, Slack's &<> rule); webhooks go only to
hosts on CTP_ALERT_ALLOWED_HOSTS, never follow redirects and time out; the idempotency key travels as a header and as
the e-mail's Message-ID so receivers can drop a repeat.
"""
import asyncio
import hashlib
import hmac
import html
import json
import re
from email.message import EmailMessage
from urllib.parse import urlsplit

import aiosmtplib
import httpx

from app.config import get_settings
from app.services.alert_outbox import Delivery

SIGNATURE_HEADER = 'X-CTP-Signature'
KEY_HEADER = 'Idempotency-Key'
_MARKDOWN = re.compile(r'([\\`*_{}\[\]()#+\-.!|~>])')


class DeliveryFailed(Exception):
    """An attempt failed; `permanent` ones go to the dead letters at once (a retry cannot help)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


async def deliver(delivery: Delivery) -> None:
    if delivery.kind == 'email':
        await send_email(delivery)
    else:
        await post(delivery)


def _facts(payload: dict[str, object]) -> list[tuple[str, str]]:
    return [(str(name), str(value)) for name, value in payload.get('facts', [])]  # type: ignore[attr-defined]


def _one_line(text: object) -> str:
    return ' '.join(str(text).split())


def plain_text(payload: dict[str, object]) -> str:
    lines = [_one_line(payload['title']), '', *(f'{name}: {value}' for name, value in _facts(payload))]
    return '\n'.join([*lines, '', f'{payload["link_label"]}: {payload["link"]}', ''])


def html_body(payload: dict[str, object]) -> str:
    esc = html.escape
    rows = ''.join(f'<tr><th align="left">{esc(name)}</th><td>{esc(value)}</td></tr>'
                   for name, value in _facts(payload))
    return (f'<html><body><h2>{esc(str(payload["title"]))}</h2><table>{rows}</table>'
            f'<p><a href="{esc(str(payload["link"]))}">{esc(str(payload["link_label"]))}</a></p></body></html>')


def email_message(delivery: Delivery) -> EmailMessage:
    message = EmailMessage()
    message['Subject'] = _one_line(delivery.payload['title'])
    message['From'] = get_settings().smtp_from
    message['To'] = delivery.destination
    message['Message-ID'] = f'<{re.sub(r"[^A-Za-z0-9.-]", ".", delivery.key)}@ctp-log>'
    message['X-CTP-Idempotency-Key'] = delivery.key
    message.set_content(plain_text(delivery.payload))
    message.add_alternative(html_body(delivery.payload), subtype='html')
    return message


async def send_email(delivery: Delivery) -> None:
    settings = get_settings()
    if not settings.smtp_host:
        raise DeliveryFailed('no SMTP server is set (CTP_SMTP_HOST)')
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    if settings.smtp_security == 'none' and settings.smtp_host not in ('127.0.0.1', 'localhost', '::1'):
        raise DeliveryFailed('CTP_SMTP_SECURITY=none is for a relay on this machine only; use starttls or tls',
                             permanent=True)
    try:
        await aiosmtplib.send(email_message(delivery), hostname=settings.smtp_host, port=settings.smtp_port,
                              username=settings.smtp_username or None, password=password,
                              use_tls=settings.smtp_security == 'tls',
                              start_tls=settings.smtp_security == 'starttls', timeout=settings.alert_timeout_seconds)
    except aiosmtplib.SMTPRecipientsRefused as error:
        raise DeliveryFailed(f'recipient refused: {error}', permanent=True) from error
    except (aiosmtplib.SMTPException, OSError) as error:
        raise DeliveryFailed(f'SMTP: {type(error).__name__}: {error}') from error


def webhook_body(delivery: Delivery) -> dict[str, object]:
    keys = ('kind', 'title', 'link', 'machine_id', 'log_id', 'since', 'language')
    return {'id': delivery.key, **{key: delivery.payload.get(key) for key in keys},
            'facts': [{'name': name, 'value': value} for name, value in _facts(delivery.payload)]}


def teams_text(text: object) -> str:
    """Text for a Teams MessageCard (markdown and a little HTML are rendered): both escaped."""
    return _MARKDOWN.sub(r'\\\1', html.escape(str(text), quote=False))


def teams_body(delivery: Delivery) -> dict[str, object]:
    payload = delivery.payload
    return {'@type': 'MessageCard', '@context': 'https://schema.org/extensions',
            'summary': teams_text(payload['title']), 'title': teams_text(payload['title']),
            'sections': [{'facts': [{'name': teams_text(n), 'value': teams_text(v)} for n, v in _facts(payload)]}],
            'potentialAction': [{'@type': 'OpenUri', 'name': teams_text(payload['link_label']),
                                 'targets': [{'os': 'default', 'uri': str(payload['link'])}]}]}


def slack_text(text: object) -> str:
    """Slack's escaping: &, < and > (so no user text becomes a link, mention or command)."""
    return str(text).replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def slack_body(delivery: Delivery) -> dict[str, object]:
    payload = delivery.payload
    facts = '\n'.join(f'*{slack_text(n)}:* {slack_text(v)}' for n, v in _facts(payload))
    link = f'<{payload["link"]}|{slack_text(payload["link_label"])}>'
    return {'text': slack_text(payload['title']),
            'blocks': [{'type': 'section', 'text': {'type': 'mrkdwn', 'text': f'*{slack_text(payload["title"])}*'}},
                       {'type': 'section', 'text': {'type': 'mrkdwn', 'text': facts}},
                       {'type': 'context', 'elements': [{'type': 'mrkdwn', 'text': link}]}]}


FORMATS = {'webhook': webhook_body, 'teams': teams_body, 'slack': slack_body}


_clients: dict[asyncio.AbstractEventLoop, httpx.AsyncClient] = {}


def _client() -> httpx.AsyncClient:
    """One pooled client per event loop (building one costs a TLS context): no redirects, no proxy from the
    environment."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None or client.is_closed:
        for other in [known for known in _clients if known.is_closed()]:
            del _clients[other]
        client = _clients[loop] = httpx.AsyncClient(follow_redirects=False, trust_env=False,
                                                    limits=httpx.Limits(max_connections=20))
    return client


async def close_client() -> None:
    client = _clients.pop(asyncio.get_running_loop(), None)
    if client is not None:
        await client.aclose()


def check_destination(url: str) -> None:
    """Only http(s) URLs whose host (or host:port) is on CTP_ALERT_ALLOWED_HOSTS."""
    parts = urlsplit(url)
    host = (parts.hostname or '').lower()
    allowed = {entry.strip().lower() for entry in get_settings().alert_allowed_hosts}
    if parts.scheme not in ('http', 'https') or not host or parts.username or parts.password:
        raise DeliveryFailed('not an http(s) URL without credentials', permanent=True)
    port = parts.port or (443 if parts.scheme == 'https' else 80)
    if host not in allowed and f'{host}:{port}' not in allowed:
        raise DeliveryFailed(f'{host} is not on CTP_ALERT_ALLOWED_HOSTS', permanent=True)


def signature(secret: str, body: bytes) -> str:
    return 'sha256=' + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def post(delivery: Delivery) -> None:
    if not delivery.url:
        raise DeliveryFailed('the channel was removed or disabled', permanent=True)
    check_destination(delivery.url)
    body = json.dumps(FORMATS[delivery.kind](delivery), ensure_ascii=False, separators=(',', ':')).encode()
    headers = {'Content-Type': 'application/json', KEY_HEADER: delivery.key}
    if delivery.secret:
        headers[SIGNATURE_HEADER] = signature(delivery.secret, body)
    try:
        response = await _client().post(delivery.url, content=body, headers=headers,
                                        timeout=get_settings().alert_timeout_seconds)
    except httpx.HTTPError as error:
        raise DeliveryFailed(f'{type(error).__name__}: {error}') from error
    if response.is_redirect:
        raise DeliveryFailed(f'HTTP {response.status_code}: redirects are not followed', permanent=True)
    if response.status_code >= 400:
        permanent = response.status_code < 500 and response.status_code not in (408, 429)
        raise DeliveryFailed(f'HTTP {response.status_code}', permanent=permanent)
