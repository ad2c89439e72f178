"""Show exactly what a channel would post for a tip, without sending it."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from publishing.channels.base import PublishError
from publishing.channels.registry import get_channel
from publishing.selectors import tip_text_override
from qa.models import Tip


class Command(BaseCommand):
    help = (
        "Print the text, link and (for X) weighted length a channel would post for a tip. "
        "Sends nothing and needs no credentials."
    )

    def add_arguments(self, parser):
        parser.add_argument("tip_id", type=int)
        parser.add_argument(
            "--channel",
            action="append",
            choices=list(settings.PUBLISHING_CHANNEL_CLASSES),
            help="Channel kind; repeat for several. Default: every channel.",
        )
        parser.add_argument("--text", default="", help="Staff's own text instead of the composed one.")

    def handle(self, *args, tip_id, channel, text, **options):
        tip = Tip.objects.filter(pk=tip_id).first()
        if tip is None:
            raise CommandError(f"There is no tip with id {tip_id}.")
        kinds = channel or list(settings.PUBLISHING_CHANNEL_CLASSES)
        for index, kind in enumerate(kinds):
            target = get_channel(kind)
            try:
                # Without --text, show what will really be posted: staff's stored override, if any.
                post = target.compose(tip, text_override=text or tip_text_override(tip=tip, kind=kind))
            except PublishError as error:
                raise CommandError(f"{target.label}: {error.message}") from error
            if index:
                self.stdout.write("")
            self.stdout.write(self.style.MIGRATE_HEADING(f"== {target.label} ({kind})"))
            self.stdout.write(post.text)
            self.stdout.write(f"-- link: {post.link}")
            if "weighted_length" in post.details:
                limit = post.details.get("max")
                suffix = f" / {limit}" if limit else ""
                self.stdout.write(f"-- weighted length: {post.details['weighted_length']}{suffix}")
            elif "length" in post.details:
                limit = post.details.get("max")
                suffix = f" / {limit}" if limit else ""
                self.stdout.write(f"-- length: {post.details['length']}{suffix} characters")
