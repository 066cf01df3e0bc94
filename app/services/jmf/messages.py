"""JMF 1.x and XJMF 2.x status messages in, protocol answers out.

In:  JMF[@SenderID,@TimeStamp]/Signal[@Type="Status"]/DeviceInfo (also Response[@Type="Status"]) and
     XJMF/SignalStatus (or ResponseStatus) with Header(@DeviceID, @Time) and DeviceInfo@Status.
Out: JMF Response[@ReturnCode] per message (refID = its ID), or XJMF ResponseStatus[@ReturnCode].
"""
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement, tostring

from app.services.jmf.safe_xml import XmlRefused, children, local_name

JMF_NS = 'http://www.CIP4.org/JDFSchema_1_1'
XJMF_NS = 'http://www.CIP4.org/JDFSchema_2_0'
JMF_MEDIA_TYPE = 'application/vnd.cip4-jmf+xml'
XJMF_MEDIA_TYPE = 'application/vnd.cip4-xjmf+xml'
OUR_SENDER_ID = 'CTPLog'
OK, GENERAL_ERROR, XML_PARSER_ERROR, NOT_IMPLEMENTED, INVALID_PARAMETERS = 0, 1, 3, 5, 6


@dataclass(frozen=True)
class DeviceReport:
    """One DeviceInfo, with the attribute names of the specification."""

    device_id: str
    status: str                 # JMF @DeviceStatus or XJMF @Status, as sent
    status_details: tuple[str, ...]
    device_condition: str
    sent_at: datetime | None
    production_counter: float | None
    total_counter: float | None
    hour_counter: float | None
    counter_unit: str


@dataclass(frozen=True)
class Message:
    protocol: str               # jmf | xjmf
    sender_id: str
    message_ids: tuple[str, ...]
    reports: tuple[DeviceReport, ...]
    ignored: int                # messages of other types (not Status)


def read_message(root: Element) -> Message:
    """The status reports of a parsed JMF or XJMF root; XmlRefused when it is neither."""
    name = local_name(root)
    if name == 'JMF':
        return _read_jmf(root)
    if name == 'XJMF':
        return _read_xjmf(root)
    raise XmlRefused(f'expected a JMF or XJMF root element, got {name!r}', return_code=INVALID_PARAMETERS)


def _read_jmf(root: Element) -> Message:
    sender, stamp = root.get('SenderID', ''), parse_time(root.get('TimeStamp'))
    ids, reports, ignored = [], [], 0
    for message in root:
        kind = local_name(message)
        if kind not in ('Signal', 'Response') or message.get('Type') != 'Status':
            ignored += kind in ('Signal', 'Response', 'Query', 'Command', 'Acknowledge', 'Registration')
            continue
        ids.append(message.get('ID', ''))
        when = parse_time(message.get('Time')) or stamp
        for info in children(message, 'DeviceInfo'):
            reports.append(_report(info, info.get('DeviceStatus'), _jmf_device_id(info), when))
    return Message('jmf', sender, tuple(ids), tuple(reports), ignored)


def _jmf_device_id(info: Element) -> str:
    device = children(info, 'Device')
    return info.get('DeviceID') or (device[0].get('DeviceID') or '' if device else '')


def _read_xjmf(root: Element) -> Message:
    root_header = children(root, 'Header')
    sender = root_header[0].get('DeviceID', '') if root_header else ''
    ids, reports, ignored = [], [], 0
    for message in root:
        kind = local_name(message)
        if kind not in ('SignalStatus', 'ResponseStatus'):
            ignored += kind != 'Header'
            continue
        header = (children(message, 'Header') or root_header or [Element('Header')])[0]
        ids.append(header.get('ID', ''))
        sender = sender or header.get('DeviceID', '')
        for info in children(message, 'DeviceInfo'):
            device_id = info.get('DeviceID') or header.get('DeviceID') or ''
            reports.append(_report(info, info.get('Status'), device_id, parse_time(header.get('Time'))))
    return Message('xjmf', sender, tuple(ids), tuple(reports), ignored)


def _report(info: Element, status: str | None, device_id: str, when: datetime | None) -> DeviceReport:
    if not status:
        raise XmlRefused('DeviceInfo without its status attribute (DeviceStatus / Status)',
                         return_code=INVALID_PARAMETERS)
    return DeviceReport(device_id=device_id[:120], status=status[:20],
                        status_details=tuple(info.get('StatusDetails', '').split())[:10],
                        device_condition=info.get('DeviceCondition', '')[:20], sent_at=when,
                        production_counter=_number(info, 'ProductionCounter'),
                        total_counter=_number(info, 'TotalProductionCounter'),
                        hour_counter=_number(info, 'HourCounter'), counter_unit=info.get('CounterUnit', '')[:20])


def _number(info: Element, name: str) -> float | None:
    raw = info.get(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError as error:
        raise XmlRefused(f'{name} must be a number, got {raw[:40]!r}', return_code=INVALID_PARAMETERS) from error
    if not 0 <= value < 1e15:
        raise XmlRefused(f'{name} out of range', return_code=INVALID_PARAMETERS)
    return value


def parse_time(raw: str | None) -> datetime | None:
    """An xs:dateTime; one without a zone is taken as UTC; unreadable -> None (the receipt time is used)."""
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.strip().replace('Z', '+00:00'))
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def answer(protocol: str, ref_ids: tuple[str, ...], return_code: int, comment: str = '') -> tuple[bytes, str]:
    """(body, media type) of the protocol's answer: JMF Response per message, XJMF ResponseStatus."""
    now = datetime.now(UTC).isoformat(timespec='seconds').replace('+00:00', 'Z')
    if protocol == 'xjmf':
        root = Element('XJMF', {'xmlns': XJMF_NS})
        SubElement(root, 'Header', {'DeviceID': OUR_SENDER_ID, 'ID': _id(), 'Time': now})
        for ref in ref_ids or ('',):
            response = SubElement(root, 'ResponseStatus', {'ReturnCode': str(return_code)})
            SubElement(response, 'Header', {'DeviceID': OUR_SENDER_ID, 'ID': _id(), 'Time': now, 'refID': ref})
            _comment(response, comment, return_code)
        media = XJMF_MEDIA_TYPE
    else:
        root = Element('JMF', {'xmlns': JMF_NS, 'SenderID': OUR_SENDER_ID, 'TimeStamp': now, 'Version': '1.3'})
        for ref in ref_ids or ('',):
            response = SubElement(root, 'Response', {'ID': _id(), 'Type': 'Status', 'refID': ref,
                                                     'ReturnCode': str(return_code)})
            _comment(response, comment, return_code)
        media = JMF_MEDIA_TYPE
    return b'<?xml version="1.0" encoding="UTF-8"?>' + tostring(root, encoding='unicode').encode(), media


def _comment(parent: Element, text: str, return_code: int) -> None:
    if text:
        note = SubElement(parent, 'Notification', {'Class': 'Error' if return_code else 'Information'})
        SubElement(note, 'Comment').text = text[:300]


def _id() -> str:
    return 'CTPLog_' + uuid.uuid4().hex[:12]
