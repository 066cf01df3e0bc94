"""Passwords (Argon2id via argon2-cffi) and secret tokens (random, stored as SHA-256)."""
import hashlib
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.config import get_settings
from app.errors import InvalidInput
from app.i18n import N_

# OWASP's Password Storage Cheat Sheet's first Argon2id configuration (19 MiB, 2 passes, 1 lane): ~80 ms a check on
# a 2-core server, so signing in stays under a second; online guessing is bounded by the sign-in throttle. argon2-
# cffi's default (RFC 9106 low-memory: 64 MiB, t=3, p=4) took 0.3-0.5 s a check here, most of a slow sign-in.
# Hashes made with other parameters are re-made with these at the next sign-in (needs_rehash).
_PRODUCTION = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # CTP_CHEAP_PASSWORD_HASHES: test suites only
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
COMMON_PASSWORDS = frozenset({'password', 'password1', 'password123', '12345678', '123456789', 'qwertyui',
                              'iloveyou', 'admin123', 'letmein1', 'welcome1', 'changeme', 'ctplog123'})


def _hasher() -> PasswordHasher:
    return _CHEAP if get_settings().cheap_password_hashes else _PRODUCTION


@lru_cache(maxsize=2)
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Checked for unknown users, so they cost what a real check costs (made on first use, not at import)."""
    return hasher.hash('not-a-real-password-but-costs-the-same')


def validate_password(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(N_('a password has {least} to {most} characters'), field='password',
                           least=MIN_PASSWORD_LENGTH, most=MAX_PASSWORD_LENGTH)
    if password.lower() in COMMON_PASSWORDS:
        raise InvalidInput(N_('this password is too common; choose another'), field='password')
    return password


def hash_password(password: str) -> str:
    return _hasher().hash(validate_password(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the user exists (a dummy hash is checked for unknown users)."""
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or _dummy_hash(hasher), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def new_token(prefix: str = 'ctp') -> str:
    """A 256-bit random secret, prefixed so it can be recognised in a leak scan."""
    return f'{prefix}_{secrets.token_urlsafe(32)}'


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
