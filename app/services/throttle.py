"""Sign-in with throttling: failed attempts per account and per client address, kept in the database.

The answer never tells whether a user exists: unknown user, wrong password and a disabled account all get the
same 401, and a throttled account or address gets the same 429 whoever it is. Back-off is temporary (a sliding
window), so there is no permanent lockout.
"""
import ipaddress
import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlmodel import Session

from app.db import rolls_back
from app.errors import NotAuthenticated, TooManyRequests
from app.models import LoginFailure, User, utcnow
from app.services import users

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5      # failures per user name inside the window before that name is held back
ADDRESS_LIMIT = 20     # failures per client address inside the window
WRONG_CREDENTIALS = 'wrong user name or password'
THROTTLED = 'too many failed sign-ins; wait {seconds} seconds and try again'


@rolls_back
def sign_in(session: Session, *, username: str, password: str, address: str) -> User:
    """The active user with these credentials; 429 while throttled, 401 for any wrong combination."""
    keys = _keys(username, address)
    check(session, keys=keys)
    user = users.authenticate(session, username=username, password=password)
    if user is None:
        _record_failure(session, keys)
        raise NotAuthenticated(WRONG_CREDENTIALS)
    session.execute(delete(LoginFailure).where(LoginFailure.key == keys[0]))
    session.commit()
    return user


def check(session: Session, *, keys: Sequence[str]) -> None:
    """Raise 429 (with the seconds to wait) when the account or the address is over its limit."""
    now = utcnow()
    limits = zip(keys, (ACCOUNT_LIMIT, ADDRESS_LIMIT), strict=True)
    waits = [_wait_seconds(session, key, limit, now) for key, limit in limits]
    longest = max(waits, default=0)
    if longest > 0:
        raise TooManyRequests(THROTTLED.format(seconds=longest), retry_after=longest)


def _wait_seconds(session: Session, key: str, limit: int, now: datetime) -> int:
    times = sorted(session.exec(select(LoginFailure.at).where(LoginFailure.key == key,
                                                              LoginFailure.at > now - WINDOW)).scalars())
    if len(times) < limit:
        return 0
    release = times[len(times) - limit] + WINDOW  # when enough failures have left the window
    return max(1, math.ceil((release - now).total_seconds()))


def _record_failure(session: Session, keys: Sequence[str]) -> None:
    now = utcnow()
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - WINDOW))
    for key in keys:
        session.add(LoginFailure(key=key, at=now))
    session.commit()


def _keys(username: str, address: str) -> tuple[str, str]:
    return f'user:{username.strip().lower()[:150]}', f'addr:{address[:150]}'


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxies: Sequence[str]) -> str:
    """The client's address: X-Forwarded-For is believed only when the peer is one of our proxies.

    Walking the header from the right, the first address that is not a trusted proxy is the client.
    """
    peer = peer or 'unknown'
    networks = [_network(p) for p in trusted_proxies]
    if not forwarded_for or not _is_trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(',') if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop
    return hops[0] if hops else peer


def _network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(value.strip(), strict=False)


def _is_trusted(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
