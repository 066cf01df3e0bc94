"""Machine QR labels decode to the machine's problem form address."""
import io

import zxingcpp
from PIL import Image

from app.services import labels


def test_qr_decodes_to_the_report_form_address() -> None:
    url = labels.report_url('https://ctp.example.plant/', 7)
    assert url == 'https://ctp.example.plant/machines/7/report'
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(labels.qr_png(url))))
    assert [d.text for d in decoded] == [url]


def test_svg_data_uri_is_an_image() -> None:
    uri = labels.qr_svg_data_uri('https://x/machines/1/report')
    assert uri.startswith('data:image/svg+xml;base64,')
