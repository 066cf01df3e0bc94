"""Sign-in with throttling: failed attempts per account and per client address, kept in the database.

The answer never tells whether a user exists: unknown user, wrong password and a disabled account all get the
same 401 after the same work (an Argon2 check, against a dummy hash for unknown users), and a throttled account or
address gets the same 429 whoever it is. Back-off is temporary (a sliding window), so there is no permanent lockout.

An attempt first reserves its place: under the write lock it checks the limits (429) and records a failure for the
account and the address, then commits; only then does the slow Argon2 check run, outside any transaction, so the
database lock is never held during a hash and the 429s of a storm do not wait behind the hashes in flight. A
success takes its address reservation back and clears the account's failures. This process also remembers for a
little while which keys are held back, so the API answers their 429 on the event loop, before any thread hop.

Nobody can keep someone else locked out (issue 18): a held-back account still gets its password checked when the
attempt comes from an address without recent failures, and signs in if it is right (a wrong one is a 429 as well).
Holds back off (2, 4, 8 ... seconds after the latest failure, at most the window) instead of one 15-minute wall; an
IPv6 client is counted per /64, the block one subscriber gets.
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
from sqlmodel import Session, col

from app import auth
from app.db import rolls_back, select_rows
from app.errors import InvalidInput, NotAuthenticated, TooManyRequests
from app.i18n import N_
from app.models import LoginFailure, User, utcnow
from app.niced_pool import NicedPool

logger = logging.getLogger(__name__)
WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5      # failures per user name inside the window before that name is held back
ADDRESS_LIMIT = 20     # failures per client address inside the window
MEMORY = timedelta(seconds=30)   # how long this process trusts its memory of a hold (others may clear it sooner)
WRONG_CREDENTIALS = N_('wrong user name or password')
THROTTLED = N_('too many failed sign-ins; wait {seconds} seconds and try again')
HASH_SLOTS = max(2, os.cpu_count() or 2)   # Argon2 checks at once (64 MiB and 4 lanes each)
HASH_NICENESS = 10   # the checks yield the CPU to answering requests (the 429s of a storm, the pages)
_HASH_POOL = NicedPool(HASH_SLOTS, 'ctp-argon2', HASH_NICENESS)
_held: dict[str, datetime] = {}   # key -> held back until (as last seen in the database by this process)
_failed: dict[str, datetime] = {}  # address key -> it had a failure this process saw (until then)


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt that passed the throttle and is counted as a failure until its password proves right."""

    keys: tuple[str, str]
    reservation: int                 # its failure row for the address, taken back on success
    user_id: int | None = None       # the active user of that name, if any
    password_hash: str | None = field(default=None, repr=False)
    held_for: int = 0                # the account is held back: a wrong password is a 429 (seconds), not a 401


@rolls_back
def sign_in(session: Session, *, username: str, password: str, address: str) -> User:
    """The active user with these credentials; 429 while throttled, 401 for any wrong combination."""
    attempt = reserve(session, username=username, address=address)
    if not password_matches(attempt, password):
        refuse(attempt)
    return complete(session, attempt=attempt, password=password)


def prove_password(session: Session, *, username: str, password: str, address: str, field: str = 'current') -> None:
    """A signed-in person re-enters their password (Profile, API tokens): the same throttle as signing in;
    a wrong password is a 400 naming `field`, a held-back one a 429."""
    try:
        sign_in(session, username=username, password=password, address=address)
    except NotAuthenticated as error:
        raise InvalidInput(N_('the current password is not right'), field=field) from error


def refuse(attempt: Attempt) -> None:
    """The answer to a wrong password: 401, or the account's 429 while it is held back."""
    if attempt.held_for:
        raise TooManyRequests(THROTTLED, retry_after=attempt.held_for, seconds=attempt.held_for)
    raise NotAuthenticated(WRONG_CREDENTIALS)


@rolls_back
def reserve(session: Session, *, username: str, address: str) -> Attempt:
    """429 while the account or address is held back; otherwise count the attempt as a failure (short lock)."""
    held_back(username, address)   # this process already knows: no database work
    keys = _keys(username, address)
    _serialize(session, keys)
    held_for = check(session, keys=keys)
    user = select_rows(session, select(User).where(func.lower(col(User.username)) == username.strip()
                                                   .lower())).scalars().first()
    now = utcnow()
    session.execute(delete(LoginFailure).where(col(LoginFailure.at) <= now - WINDOW))
    address_row = LoginFailure(key=keys[1], at=now)
    session.add_all([LoginFailure(key=keys[0], at=now), address_row])
    session.commit()
    active = user is not None and user.is_active
    _failed[keys[1]] = now + MEMORY
    return Attempt(keys=keys, reservation=address_row.id,  # type: ignore[arg-type]
                   user_id=user.id if active else None,  # type: ignore[union-attr]
                   password_hash=user.password_hash if user is not None else None, held_for=held_for)


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
    session.execute(delete(LoginFailure).where((col(LoginFailure.key) == attempt.keys[0])
                                               | (LoginFailure.id == attempt.reservation)))
    if new_hash is not None:
        user.password_hash = new_hash
        session.add(user)
    session.commit()
    _held.pop(attempt.keys[0], None)
    _failed.pop(attempt.keys[1], None)
    return user


def forget() -> None:
    """Drop this process's memory of holds (tests: a new database)."""
    _held.clear()
    _failed.clear()


def held_back(username: str, address: str) -> None:
    """429 at once when this process recently saw the address held back, or the account held back while this
    address had failures (no database, no thread). A clean address never waits here for someone else's guesses."""
    now = utcnow()
    account, place = _keys(username, address)
    keys = [account, place] if _failed.get(place, now) > now else [place]
    longest = max((_held.get(key, now) for key in keys), default=now)
    if longest > now:
        seconds = max(1, math.ceil((longest - now).total_seconds()))
        raise TooManyRequests(THROTTLED, retry_after=seconds, seconds=seconds)


def check(session: Session, *, keys: Sequence[str]) -> int:
    """Raise 429 (with the seconds to wait) when the address is over its limit, or the account is and this address
    has failed recently; return the account's wait when only a clean address keeps it from a 429."""
    now = utcnow()
    account_wait = _wait_seconds(session, keys[0], ACCOUNT_LIMIT, now)
    address_wait = _wait_seconds(session, keys[1], ADDRESS_LIMIT, now)
    dirty = account_wait > 0 and (address_wait > 0 or _failures(session, keys[1], now) > 0)
    longest = max(address_wait, account_wait if dirty else 0)
    if longest > 0:
        raise TooManyRequests(THROTTLED, retry_after=longest, seconds=longest)
    return account_wait


def _failures(session: Session, key: str, now: datetime) -> int:
    return int(select_rows(session, select(func.count()).select_from(LoginFailure).where(
        col(LoginFailure.key) == key, col(LoginFailure.at) > now - WINDOW)).one()[0])


def _wait_seconds(session: Session, key: str, limit: int, now: datetime) -> int:
    """Seconds until the next attempt: 0 below the limit, then 2, 4, 8 ... after the latest failure (a back-off,
    at most the window)."""
    times = sorted(select_rows(session, select(col(LoginFailure.at)).where(col(LoginFailure.key) == key,
                                                              col(LoginFailure.at) > now - WINDOW)).scalars())
    if len(times) < limit:
        return 0
    backoff = min(WINDOW, timedelta(seconds=2 ** min(20, len(times) - limit + 1)))
    release = times[-1] + backoff
    if release <= now:
        return 0
    _held[key] = min(release, now + MEMORY)
    return max(1, math.ceil((release - now).total_seconds()))


def _keys(username: str, address: str) -> tuple[str, str]:
    return f'user:{username.strip().lower()[:150]}', f'addr:{address_block(address)[:150]}'


def address_block(address: str) -> str:
    """What one client controls: an IPv4 address, or the /64 of an IPv6 address (IPv4-mapped ones as IPv4)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


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
