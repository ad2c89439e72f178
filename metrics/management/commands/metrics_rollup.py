"""Recompute the metrics' daily roll-ups for a range of days: see metrics.rollups."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from metrics.periods import MAX_DAYS, local_today
from metrics.rollups import rollups_recompute


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("Not a day: %(value)s (expected YYYY-MM-DD).") % {"value": value}) from None


class Command(BaseCommand):
    @property
    def help(self):
        return _("Recompute the metrics' daily roll-ups for a range of days (support time zone). Idempotent.")

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", required=True, help=_("First day, YYYY-MM-DD."))
        parser.add_argument("--to", dest="last", help=_("Last day, YYYY-MM-DD (default: today)."))

    def handle(self, *args, first, last, **options):
        first_day = _day(first)
        last_day = _day(last) if last else local_today()
        if last_day < first_day:
            raise CommandError(_("The last day is before the first."))
        if (last_day - first_day).days >= 10 * MAX_DAYS:
            raise CommandError(_("At most ten years at a time."))
        days = rollups_recompute(first_day, last_day)
        self.stdout.write(_("Recomputed %(days)d days.") % {"days": days})
