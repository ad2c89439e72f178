"""/healthz: is this process able to serve? Used by container healthchecks and
load balancers.

It checks the three things every request or task depends on — the database,
the cache and the Celery broker — and answers 200 {"status": "ok", ...} or 503
naming the failing part. Every check is bounded by a short timeout (the Redis
cache has 2-second socket timeouts in settings; the broker gets a 2-second
connect timeout and no retries) so a dead dependency makes the answer quick and
negative instead of hanging the healthcheck.
"""

import logging
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu import Connection

logger = logging.getLogger(__name__)

BROKER_CONNECT_TIMEOUT_SECONDS = 2


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 returned an unexpected row")


def check_cache() -> None:
    # A key of its own per call: concurrent healthchecks never read each other's value.
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    try:
        if cache.get(key) != "ok":
            raise RuntimeError("the cache did not return the value just stored")
    finally:
        cache.delete(key)


def check_broker() -> None:
    # Read from settings (not the Celery app's frozen copy) so the answer always
    # describes the configuration this process runs with.
    url = settings.CELERY_BROKER_URL
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    if url.startswith("filesystem://"):
        # The filesystem transport has no server: it works when its folders do.
        folders = {options.get(name) for name in ("data_folder_in", "data_folder_out")}
        if options.get("store_processed"):
            folders.add(options.get("processed_folder"))
        for folder in sorted(f for f in folders if f):
            if not Path(folder).is_dir():
                raise RuntimeError(f"broker folder {folder} does not exist")
            if not os.access(folder, os.W_OK):
                raise RuntimeError(f"broker folder {folder} is not writable")
        return
    with Connection(url, transport_options=options, connect_timeout=BROKER_CONNECT_TIMEOUT_SECONDS) as conn:
        # max_retries=0: one attempt. A health check reports; it does not wait for recovery.
        conn.ensure_connection(max_retries=0, timeout=BROKER_CONNECT_TIMEOUT_SECONDS)


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def run_checks() -> dict:
    """{name: "ok" | "error: <exception class>"}; every check runs even when one fails."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 — any failure means "not healthy", with its reason
            # The details (host names, paths) go to the log, not to the public answer.
            logger.warning("healthz: %s check failed: %s: %s", name, exc.__class__.__name__, exc)
            results[name] = f"error: {exc.__class__.__name__}"
        else:
            results[name] = "ok"
    return results


@never_cache
@require_safe
def healthz(request):
    checks = run_checks()
    failing = [name for name, result in checks.items() if result != "ok"]
    if failing:
        return JsonResponse({"status": "error", "failing": failing, "checks": checks}, status=503)
    return JsonResponse({"status": "ok", "checks": checks})
