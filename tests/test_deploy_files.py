"""docker-compose.yml, the Dockerfile and .env.example, checked statically
(Docker cannot run on these machines): the structure, that every command the
containers run exists in the code, and that .env.example documents exactly the
variables the code reads.

How variable names are matched:
- supportsite/settings/*.py are parsed (ast) for env.<cast>("NAME", ...) calls. An f-string
  name such as f"PUBLISHING_POSTING_HOURS_{kind.upper()}" is a pattern, and
  .env.example documents it as PUBLISHING_POSTING_HOURS_<KIND>.
- Names passed through a helper (e.g. _social_app("SOCIAL_X_CLIENT_ID", ...))
  are not literal env calls, so settings are also imported in a subprocess
  that records every name django-environ is asked for (development and
  production, since some are read only in production).
- .env.example may also name what docker-compose.yml interpolates (${NAME})
  and what docker/gunicorn.conf.py reads (os.environ.get("NAME")).
"""

import ast
import importlib
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (BASE_DIR / "Dockerfile").read_text()
APP_SERVICES = ["migrate", "web", "worker", "beat"]
ENV_CASTS = {"str", "bool", "int", "float", "list", "json", "db_url", "cache_url", "path", "url"}
KIND_PLACEHOLDER = "<KIND>"


# --- docker-compose.yml ------------------------------------------------------------


def test_compose_has_the_whole_stack():
    assert set(SERVICES) == {"db", "redis", "migrate", "web", "worker", "beat"}
    assert SERVICES["db"]["image"] == "postgres:16"
    assert SERVICES["redis"]["image"] == "redis:7"
    for name in APP_SERVICES:
        service = SERVICES[name]
        assert service["build"] == "."
        assert service["env_file"] == ".env"
        assert service["environment"]["DJANGO_ENV"] == "production"
        assert service["environment"]["CACHE_URL"].startswith("redis://redis:6379/")
        assert service["environment"]["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert "@db:5432/" in service["environment"]["DATABASE_URL"]


@pytest.mark.parametrize("name", ["db", "redis", *APP_SERVICES])
def test_every_service_has_a_healthcheck(name):
    healthcheck = SERVICES[name]["healthcheck"]
    assert healthcheck["test"][0] in {"CMD", "CMD-SHELL"}
    assert healthcheck["interval"] and healthcheck["timeout"] and healthcheck["retries"] >= 1


def test_healthchecks_check_the_right_thing():
    assert "pg_isready" in " ".join(SERVICES["db"]["healthcheck"]["test"])
    assert SERVICES["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    web = SERVICES["web"]["healthcheck"]["test"]
    assert web[1:4] == ["python", "docker/healthcheck.py", "web"] and web[4].endswith("/healthz")
    worker = " ".join(SERVICES["worker"]["healthcheck"]["test"])
    assert "celery -A supportsite inspect ping -d celery@$$HOSTNAME" in worker
    beat = SERVICES["beat"]["healthcheck"]["test"]
    assert beat[1:4] == ["python", "docker/healthcheck.py", "beat"]
    # Beat's healthcheck watches the schedule file beat is told to write.
    assert beat[4] == option_value(SERVICES["beat"]["command"], "--schedule")


def test_migrations_run_once_before_the_app_starts():
    migrate = SERVICES["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ["web", "worker", "beat"]:
        depends_on = SERVICES[name]["depends_on"]
        assert depends_on["migrate"] == {"condition": "service_completed_successfully"}
        assert depends_on["db"] == {"condition": "service_healthy"}
        assert depends_on["redis"] == {"condition": "service_healthy"}


def test_volumes_keep_the_database_and_media():
    assert {"postgres-data", "media"} <= set(COMPOSE["volumes"])
    assert "postgres-data:/var/lib/postgresql/data" in SERVICES["db"]["volumes"]
    for name in APP_SERVICES:
        assert f"media:{SERVICES[name]['environment']['MEDIA_ROOT']}" in SERVICES[name]["volumes"]


def option_value(command: list[str], option: str) -> str:
    return command[command.index(option) + 1]


def test_the_commands_the_containers_run_exist():
    from django.core.management import get_commands

    web = SERVICES["web"]["command"]
    assert web[0] == "gunicorn"
    module_name, attribute = web[1].split(":")
    assert callable(getattr(importlib.import_module(module_name), attribute))
    assert (BASE_DIR / option_value(web, "--config")).is_file()

    for name in ["worker", "beat"]:
        command = SERVICES[name]["command"]
        assert command[:3] == ["celery", "-A", "supportsite"]
        assert command[3] == name
    # `celery -A supportsite` finds supportsite.celery_app (or supportsite.celery.app).
    celery_app = importlib.import_module("supportsite").celery_app
    assert celery_app.main == "supportsite"

    manage_command = SERVICES["migrate"]["command"]
    assert manage_command[:2] == ["python", "manage.py"] and manage_command[2] in get_commands()
    assert SERVICES["migrate"]["healthcheck"]["test"][3] in get_commands()

    for name in ["web", "beat"]:
        assert (BASE_DIR / SERVICES[name]["healthcheck"]["test"][2]).is_file()


# --- Dockerfile ------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
        for line in joined.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_dockerfile_is_slim_and_does_not_run_as_root():
    instructions = dockerfile_instructions()
    froms = [arg for op, arg in instructions if op == "FROM"]
    assert all(arg.startswith("python:3.11-slim") for arg in froms)
    users = [arg.strip() for op, arg in instructions if op == "USER"]
    assert users, "the image must switch to an unprivileged user"
    assert users[-1] not in {"root", "0", "0:0"}
    # The user is created in the image, and the last instruction before CMD runs as it.
    assert "useradd" in DOCKERFILE and users[-1] in DOCKERFILE.split("useradd", 1)[1].split("\n", 1)[0]


def test_dockerfile_installs_requirements_collects_static_and_runs_gunicorn():
    instructions = dockerfile_instructions()
    runs = " ".join(arg for op, arg in instructions if op == "RUN")
    assert "pip install -r /tmp/requirements.txt" in runs
    assert "manage.py collectstatic --noinput" in runs
    assert re.search(r"DJANGO_ENV=production", DOCKERFILE)
    assert ("EXPOSE", "8000") in instructions
    cmd = json.loads(next(arg for op, arg in instructions if op == "CMD"))
    assert cmd == SERVICES["web"]["command"]


TEST_ONLY_PACKAGES = {"pytest", "pytest-django", "playwright", "responses", "ruff"}


def requirement_lines(name: str) -> list[str]:
    lines = (BASE_DIR / name).read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def test_the_image_installs_runtime_requirements_only():
    instructions = dockerfile_instructions()
    assert ("COPY", "requirements.txt /tmp/requirements.txt") in instructions
    assert not any("requirements-dev" in arg for _, arg in instructions)

    runtime = requirement_lines("requirements.txt")
    assert runtime and all(re.fullmatch(r"[A-Za-z0-9._-]+==\S+", line) for line in runtime)
    runtime_names = {line.split("==")[0].lower() for line in runtime}
    assert {"django", "celery", "gunicorn", "psycopg"} <= runtime_names
    assert not runtime_names & TEST_ONLY_PACKAGES

    # make install (run and test) gets the runtime set plus the tools the tests need.
    dev = requirement_lines("requirements-dev.txt")
    assert dev[0] == "-r requirements.txt"
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+==\S+", line) for line in dev[1:])
    assert TEST_ONLY_PACKAGES <= {line.split("==")[0].lower() for line in dev[1:]}


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    for entry in [".env", ".git", ".venv", "var", "staticfiles"]:
        assert entry in ignored


# --- .env.example <-> supportsite/settings/ ------------------------------------------


# "NAME=value" or "# NAME=value" (one space: indented examples in prose do not count).
VARIABLE_LINE = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*(?:<KIND>)?)=")


def env_example_names() -> set[str]:
    names = set()
    for line in (BASE_DIR / ".env.example").read_text().splitlines():
        match = VARIABLE_LINE.match(line)
        if match:
            names.add(match.group(1))
    return names


def settings_env_calls() -> tuple[set[str], set[str]]:
    """(literal names, f-string patterns with <KIND>) passed to env.<cast>(...) in the settings modules."""
    trees = [ast.parse(path.read_text()) for path in sorted((BASE_DIR / "supportsite" / "settings").glob("*.py"))]
    names, patterns = set(), set()
    for node in (node for tree in trees for node in ast.walk(tree)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
            continue
        if node.func.attr not in ENV_CASTS:
            continue
        owner = node.func.value
        is_env = (isinstance(owner, ast.Name) and owner.id == "env") or (
            isinstance(owner, ast.Call) and isinstance(owner.func, ast.Attribute) and owner.func.attr == "Env"
        )
        if not is_env:
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
        elif isinstance(first, ast.JoinedStr):
            patterns.add(
                "".join(part.value if isinstance(part, ast.Constant) else KIND_PLACEHOLDER for part in first.values)
            )
    return names, patterns


RECORDER = """
import json, environ
seen = []
original = environ.Env.get_value
def record(self, var, *args, **kwargs):
    seen.append(var)
    return original(self, var, *args, **kwargs)
environ.Env.get_value = record
import supportsite.settings
print("NAMES " + json.dumps(sorted(set(seen))))
"""


def names_read_at_runtime(django_env: str, tmp_path: Path) -> set[str]:
    env = {k: v for k, v in os.environ.items() if k == "PATH" or k.startswith(("HOME", "LANG"))}
    env.update(
        {
            "DJANGO_ENV": django_env,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "CACHE_URL": "redis://127.0.0.1:6379/6",
            "TIPCAST_VAR_DIR": str(tmp_path),
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", RECORDER], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.split("NAMES ", 1)[1]))


def names_read_by_deploy_files() -> set[str]:
    compose = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (BASE_DIR / "docker-compose.yml").read_text()))
    gunicorn = set(
        re.findall(r"os\.environ\.get\(\"([A-Z][A-Z0-9_]*)\"", (BASE_DIR / "docker" / "gunicorn.conf.py").read_text())
    )
    return compose | gunicorn


def as_regex(name: str) -> re.Pattern:
    return re.compile(re.escape(name).replace(re.escape(KIND_PLACEHOLDER), "[A-Z0-9_]+") + r"\Z")


def documented(name: str, documented_names: set[str]) -> bool:
    return name in documented_names or any(
        as_regex(doc).match(name) for doc in documented_names if KIND_PLACEHOLDER in doc
    )


def test_settings_parser_finds_literal_and_per_channel_names():
    names, patterns = settings_env_calls()
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "CACHE_URL", "SECURE_HSTS_SECONDS", "LOG_FORMAT"} <= names
    assert {"PUBLISHING_DRIP_INTERVAL_MINUTES_<KIND>", "PUBLISHING_POSTING_HOURS_<KIND>"} <= patterns


def test_per_channel_patterns_match_only_their_own_family():
    doc = env_example_names()
    assert documented("PUBLISHING_POSTING_HOURS_FACEBOOK", doc)
    assert documented("PUBLISHING_DRIP_INTERVAL_MINUTES_X", doc)
    assert not documented("PUBLISHING_SOMETHING_NEW", doc)
    assert not documented("BRAND_NEW_SETTING", doc)


def test_every_variable_the_code_reads_is_documented(tmp_path):
    names, patterns = settings_env_calls()
    read = (
        names
        | names_read_at_runtime("development", tmp_path)
        | names_read_at_runtime("production", tmp_path)
        | names_read_by_deploy_files()
    )
    doc = env_example_names()

    undocumented = sorted(name for name in read if not documented(name, doc))
    assert not undocumented, f"add these to .env.example with a comment: {undocumented}"
    assert not sorted(patterns - doc), "document each per-channel pattern as NAME_<KIND>"


def test_every_documented_variable_is_read(tmp_path):
    names, patterns = settings_env_calls()
    read = (
        names
        | names_read_at_runtime("development", tmp_path)
        | names_read_at_runtime("production", tmp_path)
        | names_read_by_deploy_files()
    )

    unread = sorted(
        name
        for name in env_example_names()
        if name not in read and name not in patterns and not any(as_regex(p).match(name) for p in patterns)
    )
    assert not unread, f".env.example names variables nothing reads: {unread}"


def test_every_documented_variable_has_a_comment():
    lines = (BASE_DIR / ".env.example").read_text().splitlines()
    for index, line in enumerate(lines):
        if VARIABLE_LINE.match(line):
            # The nearest line above that is not itself a variable must be a comment.
            above = next(prev for prev in reversed(lines[:index]) if not VARIABLE_LINE.match(prev))
            assert above.startswith("# ") and len(above) > 4, f"no comment for {line!r}"


# --- docker/healthcheck.py ------------------------------------------------------------


def healthcheck(*args: str, **env: str) -> int:
    full_env = dict(os.environ, **env)
    return subprocess.run(
        [sys.executable, "docker/healthcheck.py", *args], cwd=BASE_DIR, env=full_env, capture_output=True, timeout=30
    ).returncode


def test_beat_healthcheck_follows_the_schedule_file_age(tmp_path):
    schedule = tmp_path / "celerybeat-schedule"
    assert healthcheck("beat", str(schedule)) == 1  # beat never wrote it

    (tmp_path / "celerybeat-schedule.db").write_bytes(b"")  # dbm may add a suffix
    assert healthcheck("beat", str(schedule)) == 0

    an_hour_ago = (tmp_path / "celerybeat-schedule.db").stat().st_mtime - 3600
    os.utime(tmp_path / "celerybeat-schedule.db", (an_hour_ago, an_hour_ago))
    assert healthcheck("beat", str(schedule)) == 1


def test_web_healthcheck_asks_as_an_allowed_host():
    import http.server
    import threading

    seen_hosts = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen_hosts.append(self.headers["Host"])
            self.send_response(200 if self.path == "/healthz" else 503)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        assert healthcheck("web", f"{base}/healthz", DJANGO_ALLOWED_HOSTS=".example.com,other.example") == 0
        assert healthcheck("web", f"{base}/broken") == 1
    finally:
        server.shutdown()
        server.server_close()
    assert seen_hosts[0] == "example.com"


def test_each_gunicorn_worker_freezes_what_it_loaded():
    # Run in a child process: freezing this test process's objects would outlive the test.
    script = (
        "import gc, runpy; config = runpy.run_path('docker/gunicorn.conf.py'); "
        "before = gc.get_freeze_count(); config['post_worker_init'](None); "
        "print(before, gc.get_freeze_count())"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    before, after = map(int, result.stdout.split())
    assert before == 0 and after > 0
