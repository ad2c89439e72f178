"""Compare this tree's settings with a git revision's, value by value.

For changes that must not change any setting (moving settings between modules,
tidying a section): every upper-case name Django's `settings` has, defaults
included, must keep its value in development, test and production.

    .venv/bin/python scripts/compare_settings.py [REVISION]    # default: main

The revision is extracted with `git archive` into a temporary folder, and each
tree's settings are read in a fresh process (settings are read once per process)
with the same environment: nothing from the caller's, so a local DATABASE_URL or
.env cannot make the trees agree or differ. Paths inside a tree are written
relative to its root, so BASE_DIR must be the project root in both. Exits 1 when
any value differs.
"""

import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run inside each tree. Dicts keep their order (a list of pairs) and lazy
# translations are compared by their English text.
SNAPSHOT = r"""
import json, sys
from decimal import Decimal
from pathlib import Path

import django
from django.conf import settings
from django.utils.functional import Promise

root = sys.argv[1]
django.setup()


def plain(value):
    if isinstance(value, Promise):
        return ["lazy", str(value)]
    if isinstance(value, dict):
        return ["dict", [[plain(key), plain(item)] for key, item in value.items()]]
    if isinstance(value, (list, tuple)):
        return [type(value).__name__, [plain(item) for item in value]]
    if isinstance(value, (set, frozenset)):
        return ["set", sorted(json.dumps(plain(item)) for item in value)]
    if isinstance(value, (Path, Decimal)):
        return [type(value).__name__, plain(str(value))]
    if isinstance(value, str):
        return value.replace(root, "<root>")
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = repr(value)
    if " at 0x" in text:
        raise SystemExit(f"cannot compare {text}: add a case for {type(value).__name__}")
    return ["repr", text.replace(root, "<root>")]


names = sorted(name for name in dir(settings) if name.isupper())
print("SNAPSHOT " + json.dumps({name: plain(getattr(settings, name)) for name in names}))
"""

# What tests/test_production_settings.py gives production (it refuses to start
# without a real key and a shared cache); nothing here connects to Redis.
SECRET_KEY = secrets.token_urlsafe(50)
ENVIRONMENTS = {
    "development": {"DJANGO_ENV": "development"},
    "test": {"DJANGO_ENV": "test"},
    "production": {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "support.example.com",
        "SITE_URL": "https://support.example.com",
        "CACHE_URL": "redis://127.0.0.1:6379/6",
    },
}
# Production with every optional branch taken: PostgreSQL, a Redis broker with a
# key prefix, every network and social sign-in configured, non-default numbers.
ENVIRONMENTS["production, all configured"] = {
    **ENVIRONMENTS["production"],
    "DATABASE_URL": "postgres://tipcast:secret@db:5432/tipcast",
    "CELERY_BROKER_URL": "redis://redis:6379/1",
    "CELERY_BROKER_KEY_PREFIX": "staging:",
    **{name: "configured" for name in ("X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")},
    "FACEBOOK_PAGE_ID": "1234",
    "FACEBOOK_PAGE_ACCESS_TOKEN": "configured",
    "LINE_CHANNEL_ACCESS_TOKEN": "configured",
    "BLUESKY_HANDLE": "tipcast.bsky.social",
    "BLUESKY_APP_PASSWORD": "configured",
    "MASTODON_API_BASE_URL": "https://social.example",
    "MASTODON_ACCESS_TOKEN": "configured",
    **{name: "configured" for name in ("SOCIAL_X_CLIENT_ID", "SOCIAL_X_CLIENT_SECRET")},
    **{name: "configured" for name in ("SOCIAL_GOOGLE_CLIENT_ID", "SOCIAL_GOOGLE_CLIENT_SECRET")},
    "PUBLISHING_MONTHLY_POST_CAP_X": "400",
    "PUBLISHING_PRICE_WITH_LINK_X": "0.25",
    "PUBLISHING_DRIP_INTERVAL_MINUTES_FACEBOOK": "60",
    "METRICS_REACH_INTERVAL_SECONDS": "0",
    "TIME_ZONE": "Asia/Tokyo",
    "TIPCAST_TRUSTED_PROXY_COUNT": "1",
}


def snapshot(tree: Path, variables: dict) -> dict:
    env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "LC_ALL")}
    env.update(variables, DJANGO_SETTINGS_MODULE="supportsite.settings", PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [sys.executable, "-c", SNAPSHOT, str(tree)], cwd=tree, env=env, capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise SystemExit(f"settings of {tree} did not load:\n{result.stderr}")
    return json.loads(result.stdout.split("SNAPSHOT ", 1)[1])


def extract(revision: str, into: Path) -> None:
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)


def main() -> int:
    revision = sys.argv[1] if len(sys.argv) > 1 else "main"
    differences = 0
    with tempfile.TemporaryDirectory() as folder:
        other = Path(folder).resolve()
        extract(revision, other)
        for name, variables in ENVIRONMENTS.items():
            before, after = snapshot(other, variables), snapshot(ROOT, variables)
            changed = sorted(key for key in before.keys() & after.keys() if before[key] != after[key])
            only_before, only_after = sorted(before.keys() - after.keys()), sorted(after.keys() - before.keys())
            # A module's private helper (_PRICE_DEFAULTS) is upper case to Django's
            # isupper() too, but nothing reads it as a setting.
            private = [key for key in only_before + only_after if key.startswith("_")]
            only_before = [key for key in only_before if key not in private]
            only_after = [key for key in only_after if key not in private]
            same = len(before.keys() & after.keys()) - len(changed)
            print(f"{name}: {same} settings identical to {revision}", end="")
            print(f", BASE_DIR {after['BASE_DIR']}")
            for key in changed:
                print(f"  changed {key}:\n    {revision}: {before[key]}\n    this tree: {after[key]}")
            for key in only_before:
                print(f"  missing here: {key}")
            for key in only_after:
                print(f"  new here: {key}")
            for key in private:
                print(f"  private helper, not a setting, only {'in ' + revision if key in before else 'here'}: {key}")
            differences += len(changed) + len(only_before) + len(only_after)
    print("no differences" if not differences else f"{differences} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
