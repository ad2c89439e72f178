"""The drip: when a channel's next post may go out.

Pure time arithmetic (no database), so the rules are easy to test: a minimum
interval between two posts on one channel, and posting hours in TIME_ZONE.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


@dataclass(frozen=True)
class DripRules:
    interval: dt.timedelta
    # Minutes after local midnight; start == end means "any time".
    window_start: int
    window_end: int


def _parse_clock(value: str, *, setting: str) -> int:
    try:
        hours, minutes = (int(part) for part in value.strip().split(":"))
    except ValueError:
        raise ImproperlyConfigured(f"{setting}: {value!r} is not HH:MM-HH:MM.") from None
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or hours * 60 + minutes > 24 * 60:
        raise ImproperlyConfigured(f"{setting}: {value!r} is not a time of day.")
    return hours * 60 + minutes


def drip_rules(kind: str) -> DripRules:
    override = settings.PUBLISHING_CHANNEL_OVERRIDES.get(kind, {})
    minutes = override.get("drip_interval_minutes", settings.PUBLISHING_DRIP_INTERVAL_MINUTES)
    hours = override.get("posting_hours", settings.PUBLISHING_POSTING_HOURS)
    setting = f"PUBLISHING_POSTING_HOURS ({kind})"
    if "-" not in hours:
        raise ImproperlyConfigured(f"{setting}: {hours!r} is not HH:MM-HH:MM.")
    start, end = hours.split("-", 1)
    start_minute, end_minute = _parse_clock(start, setting=setting), _parse_clock(end, setting=setting)
    if (start_minute, end_minute) == (0, 24 * 60):
        end_minute = 0
    return DripRules(interval=dt.timedelta(minutes=max(0, minutes)), window_start=start_minute, window_end=end_minute)


def _in_window(minute_of_day: int, rules: DripRules) -> bool:
    if rules.window_start == rules.window_end:
        return True
    if rules.window_start < rules.window_end:
        return rules.window_start <= minute_of_day < rules.window_end
    # A window across midnight, e.g. 20:00-02:00.
    return minute_of_day >= rules.window_start or minute_of_day < rules.window_end


def into_posting_hours(moment: dt.datetime, rules: DripRules) -> dt.datetime:
    """`moment` if it is within posting hours, else the start of the next window."""
    local = timezone.localtime(moment)
    minute_of_day = local.hour * 60 + local.minute
    if _in_window(minute_of_day, rules):
        return moment
    start_today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    start = start_today + dt.timedelta(minutes=rules.window_start)
    if start <= local:
        start += dt.timedelta(days=1)
    # Re-localise so a daylight-saving change between the two is respected.
    tz = timezone.get_current_timezone()
    return timezone.make_aware(start.replace(tzinfo=None), tz)


def next_slot(*, kind: str, now: dt.datetime, last_post: dt.datetime | None) -> dt.datetime:
    """The earliest time a new post may go out on `kind`: at least the drip
    interval after the channel's last scheduled or sent post, within posting
    hours."""
    rules = drip_rules(kind)
    candidate = now if last_post is None else max(now, last_post + rules.interval)
    return into_posting_hours(candidate, rules)


def retry_delay(*, attempts: int) -> float:
    """Exponential backoff with jitter: attempt n waits between half and all of
    base * 2**(n-1), capped. The jitter keeps many failed deliveries from
    retrying in lockstep against a struggling network."""
    base = settings.PUBLISHING_RETRY_BASE_SECONDS
    ceiling = min(settings.PUBLISHING_RETRY_MAX_SECONDS, base * 2 ** max(0, attempts - 1))
    return random.uniform(ceiling / 2, ceiling)
