"""Device links: a JMF SenderID (optionally one DeviceID) linked to a machine, with its own secret.

Devices cannot sign in; they present the link's secret as a URL token (`/api/jmf/{secret}`) or as the password of
HTTP Basic (user name = the SenderID). The secret is shown once and stored as SHA-256; an optional allow-list of
addresses narrows where a link may post from.
"""
import ipaddress
import re
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Connection, select
from sqlmodel import Session, col

from app import auth
from app.db import rolls_back, select_rows
from app.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from app.i18n import N_
from app.models import CTPMachine, DeviceLink, utcnow
from app.services.access import Action, Actor, require

IDENTIFIER = re.compile(r'^[^\x00-\x20\x7f]{1,120}$')  # JMF IDs: printable, no spaces
MAX_ADDRESSES = 20
TOKEN_PREFIX = 'jmf'
TOO_LONG = {'sender_id': N_('the sender ID has 1 to 120 characters without spaces'),
            'device_id': N_('the device ID has at most 120 characters without spaces')}


class LinkInfo(BaseModel):
    """A link as admins see it (never its secret), with its health: last signal, last refusal."""

    id: int
    machine_id: int
    machine_name: str
    sender_id: str
    device_id: str
    allowed_addresses: list[str]
    created_at: datetime
    last_signal_at: datetime | None
    last_error: str | None
    revoked_at: datetime | None


def list_links(session: Session, *, actor: Actor) -> list[LinkInfo]:
    """Admin: every link, active first, newest first (never the secret)."""
    require(actor, Action.ADMINISTER)
    rows = select_rows(session, select(DeviceLink).order_by(col(DeviceLink.revoked_at).is_not(None),
                                                            col(DeviceLink.id).desc()))
    return [_info(session, row) for row in rows.scalars()]


@rolls_back
def create_link(session: Session, *, actor: Actor, machine_id: int, sender_id: str, device_id: str = '',
                allowed_addresses: list[str] | None = None) -> tuple[LinkInfo, str]:
    """Admin: link a sender to a machine; returns (info, secret). The secret cannot be shown again."""
    require(actor, Action.ADMINISTER)
    machine = session.get(CTPMachine, machine_id)
    if machine is None or machine.retired_at is not None:
        raise InvalidInput(N_('choose a machine in service'), field='machine_id')
    sender_id, device_id = _identifier(sender_id, 'sender_id'), device_id.strip()
    if device_id:
        device_id = _identifier(device_id, 'device_id')
    if _active(session, sender_id, device_id) is not None:
        raise Conflict(N_('{sender} is already linked to a machine; remove that link first'),
                       sender=f'{sender_id}/{device_id}' if device_id else sender_id)
    secret = auth.new_token(TOKEN_PREFIX)
    row = DeviceLink(machine_id=machine_id, sender_id=sender_id, device_id=device_id,
                     secret_hash=auth.token_digest(secret), created_by=actor.user_id,
                     allowed_addresses=' '.join(parse_addresses(allowed_addresses or [])))
    session.add(row)
    session.commit()
    return _info(session, row), secret


@rolls_back
def revoke_link(session: Session, *, actor: Actor, link_id: int) -> None:
    """Admin: the link's secret stops working at once; its signals stay until the retention purges them."""
    require(actor, Action.ADMINISTER)
    row = _active_row(session, link_id)
    row.revoked_at = utcnow()
    session.add(row)
    session.commit()


@rolls_back
def rotate_link(session: Session, *, actor: Actor, link_id: int) -> tuple[LinkInfo, str]:
    """Admin: a new secret for the link; the old one stops working at once. Returns (info, secret), shown once."""
    require(actor, Action.ADMINISTER)
    row = _active_row(session, link_id)
    secret = auth.new_token(TOKEN_PREFIX)
    row.secret_hash, row.last_error = auth.token_digest(secret), None
    session.add(row)
    session.commit()
    return _info(session, row), secret


def authenticate(session: Session, *, secret: str, address: str | None, username: str | None = None) -> DeviceLink:
    """The active link of a secret (and, for HTTP Basic, of its SenderID) posting from an allowed address."""
    row = select_rows(session, select(DeviceLink).where(
        col(DeviceLink.secret_hash) == auth.token_digest(secret),
        col(DeviceLink.revoked_at).is_(None))).scalars().first() if secret else None
    check_sender(row, address, username)
    assert row is not None
    return row


def active_by_secret(connection: Connection, secrets: set[str]) -> dict[str, DeviceLink]:
    """The active links of these secrets, in one query (the receiver's batch): secret -> link."""
    digests = {auth.token_digest(secret): secret for secret in secrets if secret}
    if not digests:
        return {}
    rows = connection.execute(select(DeviceLink.__table__).where(  # type: ignore[attr-defined]  # SQLModel tables
        col(DeviceLink.secret_hash).in_(digests), col(DeviceLink.revoked_at).is_(None)))
    return {digests[row.secret_hash]: DeviceLink(**row._mapping) for row in rows}


def check_sender(row: DeviceLink | None, address: str | None, username: str | None) -> None:
    """401 for no link (or, with HTTP Basic, another SenderID than the link's); 403 from an address not allowed."""
    if row is None or (username is not None and username != row.sender_id):
        raise NotAuthenticated('unknown or revoked device link')
    if not address_allowed(row.allowed_addresses, address):
        raise PermissionDenied(f'device link {row.id} does not accept messages from {address}')


def address_allowed(allow_list: str, address: str | None) -> bool:
    """An empty list allows every address; otherwise the address must fall in one of the networks."""
    if not allow_list.strip():
        return True
    try:
        ip = ipaddress.ip_address(address or '')
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(item, strict=False) for item in allow_list.split())


def parse_addresses(items: list[str]) -> list[str]:
    if len(items) > MAX_ADDRESSES:
        raise InvalidInput(N_('at most {count} addresses'), field='allowed_addresses', count=MAX_ADDRESSES)
    networks = []
    for item in items:
        try:
            networks.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError as error:
            raise InvalidInput(N_('"{item}" is not an IP address or network (such as 10.0.5.20 or 10.0.5.0/24)'),
                               field='allowed_addresses', item=item.strip()) from error
    return networks


def _identifier(value: str, name: str) -> str:
    value = value.strip()
    if not IDENTIFIER.match(value):
        raise InvalidInput(TOO_LONG[name], field=name)
    return value


def _active_row(session: Session, link_id: int) -> DeviceLink:
    row = session.get(DeviceLink, link_id)
    if row is None or row.revoked_at is not None:
        raise NotFound(N_('this device link no longer exists'))
    return row


def _active(session: Session, sender_id: str, device_id: str) -> DeviceLink | None:
    return select_rows(session, select(DeviceLink).where(col(DeviceLink.sender_id) == sender_id,
                                                         col(DeviceLink.device_id) == device_id,
                                                 col(DeviceLink.revoked_at).is_(None))).scalars().first()


def _info(session: Session, row: DeviceLink) -> LinkInfo:
    machine = session.get(CTPMachine, row.machine_id)
    return LinkInfo(id=row.id, machine_id=row.machine_id, machine_name=machine.name if machine else '?',
                    sender_id=row.sender_id, device_id=row.device_id,
                    allowed_addresses=row.allowed_addresses.split(), created_at=row.created_at,
                    last_signal_at=row.last_signal_at, last_error=row.last_error, revoked_at=row.revoked_at)
