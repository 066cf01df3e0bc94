"""Every timestamp a client sends is bounded here, once (issue 18): never past now plus a little clock skew, never
before what the database and the daily roll-up hold, and for everyone but admins within the plant's look-back
(`CTP_REPORT_LOOKBACK_DAYS`); admins enter older history, e.g. when a machine joins the log after years of service.

The floor also bounds the work one write causes: the roll-up walks one row per day of a problem's span.
"""
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from app.config import get_settings
from app.errors import InvalidInput
from app.i18n import N_
from app.models import Role
from app.services.access import Actor

CLOCK_SKEW = timedelta(minutes=2)            # tablets' clocks may run a little ahead of the server's
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # the oldest history the roll-up keeps day rows for
LATEST = datetime(9000, 1, 1, tzinfo=UTC)    # far beyond any real value, far inside what every driver stores


def storable(value: datetime, field: str) -> datetime:
    """`value` (timezone-aware) if the database and the roll-up can hold it, else a 400 naming `field`."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(N_('{field} needs a time zone'), field=field)
    try:
        utc = value.astimezone(UTC)
    except OverflowError as error:  # e.g. 0001-01-01T00:00:00+14:00 lies before year 1 in UTC
        raise InvalidInput(N_('{field} must lie between {year} and now'), field=field, year=EARLIEST.year) \
            from error
    if not EARLIEST <= utc < LATEST:
        raise InvalidInput(N_('{field} must lie between {year} and now'), field=field, year=EARLIEST.year)
    return value


def check_client_times(actor: Actor, now: datetime, values: Mapping[str, datetime | None]) -> None:
    """400 for the first timestamp a client sent that is outside what `actor` may enter at `now`."""
    lookback = timedelta(days=get_settings().report_lookback_days)
    for field, value in values.items():
        if value is None:
            continue
        storable(value, field)
        if value > now + CLOCK_SKEW:
            raise InvalidInput(N_('{field} cannot be in the future'), field=field)
        if actor.role != Role.ADMIN and value < now - lookback:
            raise InvalidInput(N_('{field} lies more than {days} days back; an admin can enter older history'),
                               field=field, days=lookback.days)
