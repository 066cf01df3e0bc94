"""Domain errors; each edge (REST, UI) translates them once."""


class DomainError(Exception):
    """Base of every error a user's request can cause."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


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

    def __init__(self, message: str, *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QuotaExceeded(DomainError):
    """A quota is used up (photos per problem, upload bytes per day): 429, Retry-After only when waiting helps."""

    def __init__(self, message: str, *, field: str | None = None, retry_after: int | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


class InsufficientStorage(DomainError):
    """The server is short of disk space; nothing was stored: 507."""
