"""How the metrics page writes a value of each unit ("count", "percent",
"seconds", "number"), a day or week of a chart or table, and the change of a
figure against the previous period.
The page, its charts and the weekly e-mail use these, so a figure reads the
same everywhere. Formatting follows the active language (CSV keeps raw values)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.utils.formats import date_format, get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _gettext

from metrics.report import Figure

NO_DATA = "–"


# A year of days is thousands of cells: the language's separators and unit words are
# looked up once per language, not once per cell (Django's number_format does it per call).
@lru_cache(maxsize=64)
def _word(language: str | None, message: str) -> str:
    return _gettext(message)


def gettext(message: str) -> str:
    return _word(get_language(), message)


@lru_cache(maxsize=8)
def _separators(language: str | None) -> tuple[str, str]:
    return get_format("THOUSAND_SEPARATOR"), get_format("DECIMAL_SEPARATOR")


@lru_cache(maxsize=2048)
def _day_label_in(day: date, language: str | None) -> str:
    return date_format(day, "MONTH_DAY_FORMAT")


def day_label(day: date) -> str:
    """A day (or a week, by its Monday) as the language writes it without the year
    ("November 24", "11月24日"). Remembered per language: every chart and table of
    every section labels the same days, and formatting reads the language's formats."""
    return _day_label_in(day, get_language())


def format_duration(seconds: float) -> str:
    """ "45 s", "12 min", "1 h 5 min", "2 d 3 h": two units at most, enough to compare at a glance."""
    total = int(round(seconds))
    if total < 60:
        return gettext("%(seconds)d s") % {"seconds": total}
    minutes = total // 60
    if minutes < 60:
        return gettext("%(minutes)d min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        if not minutes:
            return gettext("%(hours)d h") % {"hours": hours}
        return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    days, hours = divmod(hours, 24)
    if not hours:
        return gettext("%(days)d d") % {"days": days}
    return gettext("%(days)d d %(hours)d h") % {"days": days, "hours": hours}


def format_number(value: float | int, decimals: int | None = None) -> str:
    """Digits grouped in the language's way (1,234,567); whole numbers without decimals."""
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    thousands, decimal = _separators(get_language())
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", decimal).replace("\x00", thousands)


def format_value(value, unit: str) -> str:
    """One value as the page shows it; None (no data) is a dash."""
    if value is None:
        return NO_DATA
    if unit == "seconds":
        return format_duration(value)
    if unit == "percent":
        return gettext("%(number)s%%") % {"number": format_number(value, 1 if not float(value).is_integer() else 0)}
    if unit == "count":
        return format_number(round(value), 0)
    if unit == "number":
        return format_number(value, None if float(value).is_integer() else 2)
    return str(value)


@dataclass(frozen=True)
class Change:
    """The change of a figure: `text` as shown ("+12%", "+3.5 points", "−4 min"),
    `direction` up/down/same and `tone` good/bad/neutral (the colour)."""

    text: str
    direction: str
    tone: str


def figure_change(figure: Figure) -> Change | None:
    """None when either value is missing: nothing to compare with."""
    value, previous = figure.value, figure.previous
    if value is None or previous is None:
        return None
    delta = value - previous
    direction = "up" if delta > 0 else "down" if delta < 0 else "same"
    if direction == "same" or figure.higher_is_better is None:
        tone = "neutral"
    else:
        tone = "good" if (delta > 0) == figure.higher_is_better else "bad"
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    magnitude = abs(delta)
    if figure.unit == "percent":
        # A share compared with a share: the difference in points, not a percent of a percent.
        text = gettext("%(sign)s%(number)s points") % {"sign": sign, "number": format_number(magnitude, 1)}
    elif figure.unit == "seconds":
        text = sign + format_duration(magnitude)
    elif previous:
        text = gettext("%(sign)s%(number)s%%") % {
            "sign": sign,
            "number": format_number(magnitude * 100 / abs(previous), 0),
        }
    else:
        # From zero, a relative change means nothing: say by how much.
        text = sign + format_value(magnitude, figure.unit)
    return Change(text=text, direction=direction, tone=tone)
