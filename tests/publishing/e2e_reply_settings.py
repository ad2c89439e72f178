"""Settings for the reply end-to-end test's processes: the site's own, with
one channel, "x" (so conversations on X reply through it), on the shared file
network (e2e_reply_network)."""

from supportsite.settings import *  # noqa: F403

PUBLISHING_CHANNEL_CLASSES = {"x": "tests.publishing.e2e_reply_network.FileNetworkChannel"}
