"""Draw the share image of every tip that lacks a current one (existing sites, a new
SITE_NAME, a renamed category, a new renderer version)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from qa.models import Tip
from qa.share_image_store import share_image_font, tip_share_image_generate


class Command(BaseCommand):
    # argparse needs a real string (a lazy one crashes `--help`): translated when the parser is built.
    @property
    def help(self):
        return _("Draw the share image (og:image) of every tip whose image is missing or out of date.")

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help=_("Redraw every image, even the current ones."))
        parser.add_argument("--published-only", action="store_true", help=_("Leave drafts and unpublished tips alone."))

    def handle(self, *args, force=False, published_only=False, **options):
        if share_image_font() is None:
            raise CommandError(
                _("No font that can draw Japanese was found: install fonts-noto-cjk or set SHARE_IMAGE_FONT.")
            )
        tips = Tip.objects.published() if published_only else Tip.objects.all()
        ids = list(tips.order_by("pk").values_list("pk", flat=True))
        drawn = 0
        for number, tip_id in enumerate(ids, start=1):
            # One tip at a time, in this process: a site's whole history, without flooding the broker.
            before = Tip.objects.filter(pk=tip_id).values_list("share_image", flat=True).first()
            name = tip_share_image_generate(tip_id=tip_id, force=force)
            if name is not None and (force or name != before):
                drawn += 1
            if number % 100 == 0:
                self.stdout.write(_("%(done)d/%(total)d tips checked") % {"done": number, "total": len(ids)})
        summary = _("%(drawn)d share images drawn, %(current)d already current.")
        self.stdout.write(self.style.SUCCESS(summary % {"drawn": drawn, "current": len(ids) - drawn}))
