"""Container healthchecks that need more than a one-liner (no curl in the slim image).

    python docker/healthcheck.py web [URL]             /healthz answers 200
    python docker/healthcheck.py beat SCHEDULE_FILE    celery beat still ticks

Exit status 0 means healthy. The worker's check is `celery inspect ping` (see docker-compose.yml).
"""

import glob
import os
import sys
import time
import urllib.error
import urllib.request

# Beat writes its schedule file at least every few minutes (every 3 minutes
# while a task runs every minute; at the latest after its 5-minute maximum
# sleep): older than this means it is stuck or dead.
BEAT_MAX_AGE_SECONDS = 10 * 60


def first_allowed_host() -> str:
    """Django rejects a Host it does not know: ask as the site itself would be asked."""
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(","):
        host = host.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def check_web(url: str) -> bool:
    request = urllib.request.Request(url, headers={"Host": first_allowed_host()})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError) as exc:
        print(f"web unhealthy: {exc}", file=sys.stderr)
        return False


def check_beat(schedule_file: str) -> bool:
    # shelve may add a suffix (.db, .dat, ...) depending on the dbm module available.
    candidates = glob.glob(glob.escape(schedule_file) + "*")
    if not candidates:
        print(f"beat unhealthy: no schedule file {schedule_file}", file=sys.stderr)
        return False
    age = time.time() - max(os.path.getmtime(path) for path in candidates)
    if age > BEAT_MAX_AGE_SECONDS:
        print(f"beat unhealthy: schedule not written for {age:.0f}s", file=sys.stderr)
        return False
    return True


def main(argv: list[str]) -> int:
    if len(argv) >= 1 and argv[0] == "web":
        return 0 if check_web(argv[1] if len(argv) > 1 else "http://127.0.0.1:8000/healthz") else 1
    if len(argv) == 2 and argv[0] == "beat":
        return 0 if check_beat(argv[1]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
