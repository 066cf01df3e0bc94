"""Machine QR labels decode to the machine's problem form address."""
import io

import pytest
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


@pytest.mark.parametrize(('base', 'configured', 'expected'), [
    ('http://127.0.0.1:8301', True, 'only this computer can reach'),
    ('http://localhost:8080/', False, 'only this computer can reach'),
    ('http://[::1]:8301', True, 'only this computer can reach'),
    ('http://0.0.0.0:8301', True, 'only this computer can reach'),
    ('http://10.0.4.17:8301', False, 'No public address is set (CTP_PUBLIC_ORIGINS)'),
])
def test_labels_warn_about_an_address_tablets_cannot_use(base: str, configured: bool, expected: str) -> None:
    warning = labels.address_warning(base, configured=configured)
    assert warning is not None and expected in warning and base in warning
    assert 'Set CTP_PUBLIC_ORIGINS' in warning


def test_a_configured_public_address_needs_no_warning() -> None:
    assert labels.address_warning('https://ctp.plant.example', configured=True) is None


@pytest.mark.parametrize(('origins', 'request_base', 'expected'), [
    (['https://ctp.plant.example'], 'http://127.0.0.1:8080/', 'https://ctp.plant.example'),
    (['https://CTP.plant.example:8443/', 'http://10.0.4.17:8080'], 'http://10.0.4.17:8080/', 'https://ctp.plant.example:8443'),
    ([], 'http://10.0.4.17:8080/', 'http://10.0.4.17:8080'),
])
def test_links_use_the_first_public_origin_and_the_request_only_without_one(origins: list[str], request_base: str,
                                                                            expected: str) -> None:
    """Pairing links and labels never carry the request's Host when an origin is set; without one (development)
    the request's address is ours, because the trusted-host check refused any other (tests/api/test_trusted_hosts)."""
    assert labels.public_base_url(origins, request_base) == expected
