"""Queue the audit sample of one week now (beat does last week's each Monday): see audits.services."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from audits.services import audit_sample_week
from metrics.periods import week_monday


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Queue a random sample of one week's staff replies for the auditors (the week of the given day, "
            "Monday to Sunday). Sampling a week again only tops it up to the size."
        )

    def add_arguments(self, parser):
        parser.add_argument("--week", required=True, help=_("Any day of the week, YYYY-MM-DD."))
        parser.add_argument("--size", type=int, help=_("Replies in the week's sample (default: AUDIT_SAMPLE_SIZE)."))

    def handle(self, *args, week, size, **options):
        try:
            day = date.fromisoformat(week)
        except ValueError:
            raise CommandError(_("Not a day: %(value)s (expected YYYY-MM-DD).") % {"value": week}) from None
        if size is not None and not 0 <= size <= 1000:
            raise CommandError(_("The size is between 0 and 1000."))
        monday = week_monday(day)
        audits = audit_sample_week(monday=monday, size=size)
        self.stdout.write(
            _("Queued %(count)d replies of the week of %(monday)s.") % {"count": len(audits), "monday": monday}
        )
