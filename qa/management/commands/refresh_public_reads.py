"""Rebuild the related-tips lists and category counts: see qa.services.public_reads_refresh."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qa import services


class Command(BaseCommand):
    help = gettext_lazy(
        "Rebuild every published tip's related tips and every category's tip count "
        "(after upgrading, or after loading tips in bulk)."
    )

    def handle(self, *args, verbosity, **options):
        count = services.public_reads_refresh()
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(_("Related tips and counts rebuilt for %(count)d tips.") % {"count": count})
            )
