"""QR codes (segno) for machine labels: scanning one opens that machine's problem form."""
import base64
import io
import ipaddress
from urllib.parse import urlsplit

import segno

from app.i18n import _


def report_path(machine_id: int) -> str:
    return f'/machines/{machine_id}/report'


def public_base_url(public_origins: list[str], request_base_url: str) -> str:
    """The address links and labels carry: the first public origin (scheme and host only, as users type it), or,
    only when none is set (development), the address the page was opened at; that address is one of ours because
    the trusted-host check (app/api/hosts.py) refuses any other Host."""
    if public_origins:
        parts = urlsplit(public_origins[0].strip())
        return f'{parts.scheme.lower()}://{parts.netloc.lower()}'
    return request_base_url.rstrip('/')


def report_url(base_url: str, machine_id: int) -> str:
    """The absolute address a machine's label encodes (base_url: the address users reach the app at)."""
    return base_url.rstrip('/') + report_path(machine_id)


def address_warning(base_url: str, *, configured: bool) -> str | None:
    """Why labels printed with this address may not work on the tablets, naming the setting that fixes it (in the
    current language)."""
    host = (urlsplit(base_url).hostname or '').lower()
    fix = _('Set CTP_PUBLIC_ORIGINS to the address tablets use, e.g. ["https://ctp.plant.example"], and print '
            'again.')
    if _loopback(host):
        return _('These labels carry {address}, an address only this computer can reach. {fix}').format(
            address=base_url, fix=fix)
    if not configured:
        return _('No public address is set (CTP_PUBLIC_ORIGINS): these labels carry {address}, the address this '
                 'page was opened at. {fix}').format(address=base_url, fix=fix)
    return None


def _loopback(host: str) -> bool:
    if host in ('localhost', '') or host.endswith('.localhost'):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def qr_svg_data_uri(content: str, *, scale: int = 6) -> str:
    """An SVG QR code as a data URI, for an <img> on a printable page."""
    buffer = io.BytesIO()
    segno.make_qr(content, error='m').save(buffer, kind='svg', scale=scale, border=2, xmldecl=False)
    return 'data:image/svg+xml;base64,' + base64.b64encode(buffer.getvalue()).decode()


def qr_png(content: str, *, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    segno.make_qr(content, error='m').save(buffer, kind='png', scale=scale, border=4)
    return buffer.getvalue()
