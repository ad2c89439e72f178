"""bench/traffic.py's settings: the production settings, plus a minimal view."""

from supportsite.settings import *  # noqa: F403

ROOT_URLCONF = "bench.traffic_urls"
