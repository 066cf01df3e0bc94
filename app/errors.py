"""Domain errors; each edge (REST, UI) translates them once.

A message is an English text marked for the catalogue (`N_`) with `{placeholders}` filled from keyword
parameters: `NotFound(N_('machine {id} not found'), id=7)`. It is put into words when it is read (`message`,
`str()`), in the language of whoever reads it then (the screen's, or the API caller's), not where it was raised
(a worker thread knows no screen). Error codes, field names and parameters stay as they are.
"""
from app.i18n import render


class DomainError(Exception):
    """Base of every error a user's request can cause."""

    def __init__(self, message: str, *, field: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.template = message
        self.params = params
        self.field = field

    @property
    def message(self) -> str:
        """The message in the current language."""
        named = {'field': self.field} if '{field}' in self.template else {}  # '{field} cannot be empty'
        return render(self.template, {**named, **self.params})

    def __str__(self) -> str:
        return self.message


class InvalidInput(DomainError):
    """Bad input: 400."""


class NotAuthenticated(DomainError):
    """No valid credentials: 401."""


class PermissionDenied(DomainError):
    """Signed in but not allowed: 403."""


class NotFound(DomainError):
    """Missing, or outside the caller's scope: 404."""


class Conflict(DomainError):
    """Stale version, illegal transition, reused key, retired machine: 409."""


class PayloadTooLarge(DomainError):
    """Upload over the limit: 413."""


class TooManyRequests(DomainError):
    """Throttled: 429."""

    def __init__(self, message: str, *, retry_after: int = 60, **params: object) -> None:
        super().__init__(message, **params)  # type: ignore[arg-type]
        self.retry_after = retry_after


class QuotaExceeded(DomainError):
    """A quota is used up (photos per problem, upload bytes per day): 429, Retry-After only when waiting helps."""

    def __init__(self, message: str, *, field: str | None = None, retry_after: int | None = None,
                 **params: object) -> None:
        super().__init__(message, field=field, **params)
        self.retry_after = retry_after


class InsufficientStorage(DomainError):
    """The server is short of disk space; nothing was stored: 507."""
