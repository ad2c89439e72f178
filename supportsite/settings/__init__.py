"""Tipcast settings, one module per area.

Every value is read from the environment (or a `.env` file beside manage.py) and
has a safe development default, so `make run` needs no configuration at all.
`.env.example` lists every variable with a comment. Secrets default to empty, and
a social network is enabled only when its credentials are present.

Each module imports what it reads from an earlier one by name (`env`, `DJANGO_ENV`,
`IS_PRODUCTION` and the paths from core; CELERY_BEAT_SCHEDULE from celery, which
the later modules add their periodic tasks to). The order below keeps those
dependencies, and the beat schedule's order.
"""

# Star imports here and nowhere else: Django reads the settings as this package's
# upper-case attributes, so every module's settings are gathered into it. In this
# order, not the alphabetical one (isort: off).
# isort: off
from supportsite.settings.core import *  # noqa: F403  (first: env, DJANGO_ENV, paths)
from supportsite.settings.auth import *  # noqa: F403
from supportsite.settings.security import *  # noqa: F403
from supportsite.settings.celery import *  # noqa: F403  (before every module that schedules tasks)
from supportsite.settings.publishing import *  # noqa: F403
from supportsite.settings.qa import *  # noqa: F403
from supportsite.settings.conversations import *  # noqa: F403
from supportsite.settings.metrics import *  # noqa: F403
from supportsite.settings.audits import *  # noqa: F403
# isort: on
