"""Safe XML and the JMF/XJMF status messages: the recorded samples read with the specification's attribute names;
XXE, billion laughs, external DTDs, oversized, too deep and too many elements are refused."""
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.services.jmf.messages import answer, read_message
from app.services.jmf.safe_xml import Limits, XmlRefused, parse

FIXTURES = Path(__file__).resolve().parents[1] / 'fixtures' / 'jmf'
LIMITS = Limits(max_bytes=64 * 1024, max_depth=16, max_elements=500)


def sample(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_jmf_signal_status_is_read_with_its_counters() -> None:
    message = read_message(parse(sample('jmf13_signal_status_running.jmf'), LIMITS))
    assert (message.protocol, message.sender_id, message.message_ids) == ('jmf', 'MAGNUS-Q800-01', ('S_0001_01',))
    [report] = message.reports
    assert (report.device_id, report.status, report.device_condition, report.status_details) == \
        ('MAGNUS-Q800-01', 'Running', 'OK', ('Good',))
    assert (report.production_counter, report.total_counter, report.hour_counter, report.counter_unit) == \
        (412, 1048212, 18234.5, 'Plate')
    assert report.sent_at == datetime(2026, 3, 10, 8, 15, tzinfo=UTC)


def test_jmf_response_to_a_status_query_carries_several_devices() -> None:
    message = read_message(parse(sample('jmf13_response_status_breakdown.jmf'), LIMITS))
    assert [(r.device_id, r.status, r.status_details) for r in message.reports] == [
        ('TRENDSETTER-2', 'Down', ('BreakDown',)), ('TRENDSETTER-3', 'Idle', ())]
    assert message.message_ids == ('R_9001',)


def test_xjmf_signal_status_uses_the_header_device_and_time() -> None:
    message = read_message(parse(sample('xjmf20_signal_status_offline.xjmf'), LIMITS))
    [report] = message.reports
    assert (message.protocol, message.sender_id, report.device_id, report.status) == \
        ('xjmf', 'AVALON-N8-90', 'AVALON-N8-90', 'Offline')
    assert report.sent_at == datetime(2026, 3, 10, 9, 42, 7, tzinfo=UTC)
    assert message.message_ids == ('SS_77_002',)


def test_other_message_types_are_counted_not_read() -> None:
    body = b'<JMF xmlns="http://www.CIP4.org/JDFSchema_1_1" SenderID="X"><Signal ID="a" Type="Resource"/></JMF>'
    message = read_message(parse(body, LIMITS))
    assert (message.reports, message.ignored) == ((), 1)


@pytest.mark.parametrize('name', ['attack_xxe.jmf', 'attack_billion_laughs.jmf', 'attack_external_dtd.jmf'])
def test_dtd_attacks_are_refused_before_any_expansion_or_fetch(name: str) -> None:
    with pytest.raises(XmlRefused, match='DTDForbidden') as refused:
        parse(sample(name), LIMITS)
    assert refused.value.return_code == 3


def test_an_oversized_message_is_refused_unparsed() -> None:
    body = sample('jmf13_signal_status_running.jmf')
    with pytest.raises(XmlRefused) as refused:
        parse(body, Limits(len(body) - 1, 16, 500))
    assert refused.value.http_status == 413


def test_depth_and_element_caps() -> None:
    deep = b'<JMF>' + b'<a>' * 20 + b'</a>' * 20 + b'</JMF>'
    with pytest.raises(XmlRefused, match='deeper than 16'):
        parse(deep, LIMITS)
    wide = b'<JMF>' + b'<a/>' * 600 + b'</JMF>'
    with pytest.raises(XmlRefused, match='more than 500 elements'):
        parse(wide, LIMITS)
    assert parse(b'<JMF>' + b'<a/>' * 400 + b'</JMF>', LIMITS).tag == 'JMF'


@pytest.mark.parametrize('body', [b'', b'<JMF><Signal></JMF>', b'not xml', b'<Foo/>',
                                  b'<JMF SenderID="x"><Signal Type="Status"><DeviceInfo/></Signal></JMF>',
                                  b'<JMF><Signal Type="Status"><DeviceInfo DeviceStatus="Idle" '
                                  b'ProductionCounter="many"/></Signal></JMF>'])
def test_broken_messages_are_refused_with_a_reason(body: bytes) -> None:
    with pytest.raises(XmlRefused) as refused:
        read_message(parse(body, LIMITS))
    assert refused.value.message and refused.value.return_code in (3, 6)


def test_answers_follow_the_protocol() -> None:
    body, media = answer('jmf', ('S_1',), 0)
    root = parse(body, LIMITS)
    assert media == 'application/vnd.cip4-jmf+xml'
    assert [(c.tag.split('}')[1], c.get('refID'), c.get('ReturnCode')) for c in root] == [('Response', 'S_1', '0')]
    body, media = answer('xjmf', ('SS_1',), 3, 'bad')
    root = parse(body, LIMITS)
    assert media == 'application/vnd.cip4-xjmf+xml'
    assert [c.tag.split('}')[1] for c in root] == ['Header', 'ResponseStatus']
    assert root[1].get('ReturnCode') == '3' and root[1][0].get('refID') == 'SS_1'
