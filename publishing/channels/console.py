"""A channel that only logs: the default in development, so publishing works
end to end without any network credentials."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from publishing import compose
from publishing.channels.base import Channel, FindResult, FollowerCount, Post, PostStats, Remote, StatsBatch

logger = logging.getLogger("publishing.console")


class ConsoleChannel(Channel):
    kind = "console"
    label = _("Console (log only)")
    supports_replies = True
    supports_likes = True
    # Answers, with nothing: development shows the metrics page's rows and dashes.
    supports_stats = True
    stats_batch_size = 100

    @property
    def enabled(self) -> bool:
        """CONSOLE_CHANNEL: "on", "off", or "auto": on only when no network
        channel has credentials, so production never logs a post instead of
        sending it."""
        mode = settings.CONSOLE_CHANNEL
        if mode != "auto":
            return mode == "on"
        from publishing.channels.registry import all_channels

        return not any(channel.enabled for channel in all_channels() if not isinstance(channel, ConsoleChannel))

    def compose(self, tip, *, text_override: str = "") -> Post:
        # Shaped like an X post, so development shows realistic text.
        return compose.x_post(tip, source=self.kind, text_override=text_override)

    def send(self, post: Post) -> Remote:
        remote = Remote(id=f"console-{uuid.uuid4()}", url="")
        if post.in_reply_to:
            logger.info("Reply %s to %s on the console channel:\n%s", remote.id, post.in_reply_to, post.text)
        else:
            logger.info("Post %s to the console channel:\n%s\n(link: %s)", remote.id, post.text, post.link)
        return remote

    def like(self, remote_id: str) -> None:
        logger.info("Like %s on the console channel.", remote_id)

    def find(self, tip, *, since) -> FindResult:
        """Always absent: the console keeps no record of what it logged, and
        logging a post twice harms no one, so an orphaned delivery is simply
        logged again."""
        return FindResult.proven_absent(pages=0)

    def find_reply(self, post: Post, *, since) -> FindResult:
        """Always absent, as for posts: an orphaned reply is logged again."""
        return FindResult.proven_absent(pages=0)

    def delete(self, remote: Remote) -> None:
        logger.info("Delete %s from the console channel.", remote.id)

    def fetch_post_stats(self, remote_ids: list[str]) -> StatsBatch:
        """Nothing is reported: every number is None ("not reported")."""
        note = "The console channel reports no numbers."
        return StatsBatch(stats={remote_id: PostStats(note=note) for remote_id in remote_ids})

    def fetch_followers(self) -> FollowerCount:
        return FollowerCount(count=None)
