"""Gunicorn settings for the `web` container (and the local stack test).

Every value can be overridden by the environment, so one image fits a small
and a large host alike.
"""

import gc
import os

from supportsite.logging import default_log_format, logging_config

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
# Threads are cheap and a burst needs them: a request waiting for another one to
# render the same page (qa/page_cache.py) sleeps in its thread; 8 per worker
# doubled the mix's throughput over 2 on the 2-core bench machine (bench/TRAFFIC_RESULTS.md).
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# Longer than any request should take, shorter than a proxy's own timeout.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never becomes an outage; not so
# often that a burst of visitors recycles them every few seconds (a new worker
# imports the whole site and starts with no per-process page copies).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = 2000
# Heartbeat files in memory, not on a container's overlay filesystem.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# TLS ends at the proxy in front; trust its X-Forwarded-* headers (Django
# reads X-Forwarded-Proto through SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "*")

accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
logconfig_dict = logging_config(
    level=os.environ.get("LOG_LEVEL", "INFO"),
    log_format=os.environ.get("LOG_FORMAT") or default_log_format(os.environ.get("DJANGO_ENV", "development")),
)


def post_worker_init(worker):
    """The objects a worker made while loading the site (Django, the apps, their
    modules) live as long as it does: out of the garbage collector's reach, a
    full collection no longer walks them during a request. Such pauses were
    60-80 ms in a third of the metrics page's cold views (bench/metrics_page.py)."""
    gc.freeze()
