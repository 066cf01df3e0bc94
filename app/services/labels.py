"""QR codes (segno) for machine labels: scanning one opens that machine's problem form."""
import base64
import io

import segno


def report_path(machine_id: int) -> str:
    return f'/machines/{machine_id}/report'


def report_url(base_url: str, machine_id: int) -> str:
    """The absolute address a machine's label encodes (base_url: the address users reach the app at)."""
    return base_url.rstrip('/') + report_path(machine_id)


def qr_svg_data_uri(content: str, *, scale: int = 6) -> str:
    """An SVG QR code as a data URI, for an <img> on a printable page."""
    buffer = io.BytesIO()
    segno.make_qr(content, error='m').save(buffer, kind='svg', scale=scale, border=2, xmldecl=False)
    return 'data:image/svg+xml;base64,' + base64.b64encode(buffer.getvalue()).decode()


def qr_png(content: str, *, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    segno.make_qr(content, error='m').save(buffer, kind='png', scale=scale, border=4)
    return buffer.getvalue()
