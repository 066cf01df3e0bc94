"""Sign-in with throttling: failed attempts per account and per client address, kept in the database.

The answer never tells whether a user exists: unknown user, wrong password and a disabled account all get the
same 401 after the same work (an Argon2 check, against a dummy hash for unknown users), and a throttled account or
address gets the same 429 whoever it is. Back-off is temporary (a sliding window), so there is no permanent lockout.

An attempt first reserves its place: under the write lock it checks the limits (429) and records a failure for the
account and the address, then commits; only then does the slow Argon2 check run, outside any transaction, so the
database lock is never held during a hash and the 429s of a storm do not wait behind the hashes in flight. A
success takes its address reservation back and clears the account's failures. This process also remembers for a
little while which keys are held back, so the API answers their 429 on the event loop, before any thread hop.
"""
import asyncio
import hashlib
import ipaddress
import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlmodel import Session

from app import auth
from app.db import rolls_back
from app.errors import NotAuthenticated, TooManyRequests
from app.models import LoginFailure, User, utcnow
from app.niced_pool import NicedPool

logger = logging.getLogger(__name__)
WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5      # failures per user name inside the window before that name is held back
ADDRESS_LIMIT = 20     # failures per client address inside the window
MEMORY = timedelta(seconds=30)   # how long this process trusts its memory of a hold (others may clear it sooner)
WRONG_CREDENTIALS = 'wrong user name or password'
THROTTLED = 'too many failed sign-ins; wait {seconds} seconds and try again'
HASH_SLOTS = max(2, os.cpu_count() or 2)   # Argon2 checks at once (64 MiB and 4 lanes each)
HASH_NICENESS = 10   # the checks yield the CPU to answering requests (the 429s of a storm, the pages)
_HASH_POOL = NicedPool(HASH_SLOTS, 'ctp-argon2', HASH_NICENESS)
_held: dict[str, datetime] = {}   # key -> held back until (as last seen in the database by this process)


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt that passed the throttle and is counted as a failure until its password proves right."""

    keys: tuple[str, str]
    reservation: int                 # its failure row for the address, taken back on success
    user_id: int | None = None       # the active user of that name, if any
    password_hash: str | None = field(default=None, repr=False)


@rolls_back
def sign_in(session: Session, *, username: str, password: str, address: str) -> User:
    """The active user with these credentials; 429 while throttled, 401 for any wrong combination."""
    attempt = reserve(session, username=username, address=address)
    if not password_matches(attempt, password):
        raise NotAuthenticated(WRONG_CREDENTIALS)
    return complete(session, attempt=attempt, password=password)


@rolls_back
def reserve(session: Session, *, username: str, address: str) -> Attempt:
    """429 while the account or address is held back; otherwise count the attempt as a failure (short lock)."""
    held_back(username, address)   # this process already knows: no database work
    keys = _keys(username, address)
    _serialize(session, keys)
    check(session, keys=keys)
    user = session.exec(select(User).where(func.lower(User.username) == username.strip().lower())).scalars().first()
    now = utcnow()
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - WINDOW))
    address_row = LoginFailure(key=keys[1], at=now)
    session.add_all([LoginFailure(key=keys[0], at=now), address_row])
    session.commit()
    active = user is not None and user.is_active
    return Attempt(keys=keys, reservation=address_row.id,  # type: ignore[arg-type]
                   user_id=user.id if active else None,  # type: ignore[union-attr]
                   password_hash=user.password_hash if user is not None else None)


def _serialize(session: Session, keys: Sequence[str]) -> None:
    """Attempts on the same account or address check and count one after another, so the limits stay exact when
    many arrive at once. SQLite: the write transaction (BEGIN IMMEDIATE) already does it; PostgreSQL: transaction
    advisory locks, always account first, then address (no deadlock)."""
    if session.get_bind().dialect.name != 'postgresql':
        return
    for key in keys:
        lock_id = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], 'big', signed=True)
        session.execute(text('SELECT pg_advisory_xact_lock(:id)'), {'id': lock_id})


def password_matches(attempt: Attempt, password: str) -> bool:
    """The Argon2 check on the low-priority hash threads, outside any transaction (blocking). The same work for an
    unknown user (dummy hash), a wrong password and a disabled account."""
    return _HASH_POOL.submit(_matches, attempt, password).result()


async def password_matches_async(attempt: Attempt, password: str) -> bool:
    """`password_matches` for the event loop: waiting for a hash thread holds no worker thread."""
    return await asyncio.wrap_future(_HASH_POOL.submit(_matches, attempt, password))


def _matches(attempt: Attempt, password: str) -> bool:
    return auth.verify_password(attempt.password_hash, password) and attempt.user_id is not None


@rolls_back
def complete(session: Session, *, attempt: Attempt, password: str) -> User:
    """After a match: take the reservation back, clear the account's failures, upgrade an old hash."""
    user = session.get(User, attempt.user_id)
    if user is None or not user.is_active:   # disabled between the check and now
        raise NotAuthenticated(WRONG_CREDENTIALS)
    new_hash = auth.hash_password(password) if auth.needs_rehash(user.password_hash) else None
    session.execute(delete(LoginFailure).where((LoginFailure.key == attempt.keys[0])
                                               | (LoginFailure.id == attempt.reservation)))
    if new_hash is not None:
        user.password_hash = new_hash
        session.add(user)
    session.commit()
    _held.pop(attempt.keys[0], None)
    return user


def forget() -> None:
    """Drop this process's memory of holds (tests: a new database)."""
    _held.clear()


def held_back(username: str, address: str) -> None:
    """429 at once when this process recently saw the account or the address held back (no database, no thread)."""
    now = utcnow()
    longest = max((_held.get(key, now) for key in _keys(username, address)), default=now)
    if longest > now:
        seconds = max(1, math.ceil((longest - now).total_seconds()))
        raise TooManyRequests(THROTTLED.format(seconds=seconds), retry_after=seconds)


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
    _held[key] = min(release, now + MEMORY)
    return max(1, math.ceil((release - now).total_seconds()))


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
