"""Rebuild the related-tips lists and category counts: see qa.services.public_reads_refresh."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from qa import services


class Command(BaseCommand):
    # argparse needs real strings (a lazy one crashes `--help`): translate when
    # the parser is built, in the language active then, not at import time.
    @property
    def help(self):
        return _(
            "Rebuild every published tip's related tips and every category's tip count "
            "(after upgrading, or after loading tips in bulk)."
        )

    def handle(self, *args, verbosity, **options):
        count = services.public_reads_refresh()
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(_("Related tips and counts rebuilt for %(count)d tips.") % {"count": count})
            )
