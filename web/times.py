"""A day and a time of day in a form, in the reader's time zone: read as the instant the services
take (`read_moment`), written from an instant (`moment_fields`), and the zone named for the form's
hint (`zone_name`). The one way the forms read and write a time."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from babel import dates

from kernel.clock import now
from marketplace.api import Formats


def form_zone(zone: dt.tzinfo) -> dt.tzinfo:
    """The reader's zone as the standard library's (Babel's are pytz's, whose offset is right only
    through `localize`), so that a day's own offset (summer or winter time) is taken; UTC for a
    zone without a name."""
    try:
        return zoneinfo.ZoneInfo(str(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def read_moment(day: str, time: str, zone: dt.tzinfo) -> str | None:
    """A date and a time of day typed in `zone`, as the instant the services read (ISO 8601 with
    the zone's offset on that day); None when both are empty; what was typed when it is no date
    and time (the service names it)."""
    if not day and not time:
        return None
    try:
        moment = dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time), tzinfo=form_zone(zone))
    except ValueError:
        return f"{day}T{time}"
    return moment.isoformat()


def moment_fields(moment: dt.datetime, zone: dt.tzinfo) -> tuple[str, str]:
    """An instant as a form's day and time fields show it in `zone` (`2027-01-29`, `12:00`)."""
    local = moment.astimezone(form_zone(zone))
    return local.date().isoformat(), local.strftime("%H:%M")


def zone_name(formats: Formats) -> str:
    """The reader's time zone by name (`Central European Time`)."""
    zone, locale = formats.zone, formats.locale
    moment = now().astimezone(zone)
    # UTC has no generic name ("GMT+00:00"); the regions' zones are named for summer and winter alike.
    if zone is dt.UTC:
        return dates.get_timezone_name(moment, width="long", locale=locale)
    return dates.get_timezone_name(moment, width="long", zone_variant="generic", locale=locale)
