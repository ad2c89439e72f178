"""`make run`: the whole site on one machine with zero servers to install.

1. migrates the SQLite database (var/db.sqlite3) and loads the demo content;
2. starts the web server and a Celery worker with beat, on the filesystem
   broker (var/broker/), each in its own process group;
3. once both answer, prints the address and the demo logins, last, so that
   they do not scroll away under the worker's banner;
4. names each e-mail the site writes to var/mail/ as it appears;
5. on Ctrl-C or SIGTERM stops every process it started, and exits.

The site runs as users see it: DEBUG off (friendly error pages), e-mails
written to files, the demo in the machine's time zone (Asia/Tokyo when the
machine says UTC, as most of our customers are there). Any of these can be
overridden with the usual environment variable.

Running it again reuses the database, the queue and the beat schedule.
Environment: PORT (default 8000), TIPCAST_VAR_DIR (default ./var).
"""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from email import message_from_string
from email.header import decode_header, make_header
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
STOP_TIMEOUT_SECONDS = 10
START_TIMEOUT_SECONDS = 60
WORKER_READY = re.compile(r"celery@\S+ ready")
# The demo's time zone when the machine's own is UTC (or unknown).
DEMO_TIME_ZONE = "Asia/Tokyo"


def say(message: str) -> None:
    print(f"[run] {message}", flush=True)


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def machine_time_zone() -> str:
    """The machine's IANA zone, or DEMO_TIME_ZONE when it is UTC or unknown."""
    try:
        from tzlocal import get_localzone_name

        name = get_localzone_name() or ""
    except Exception:
        name = ""
    return DEMO_TIME_ZONE if name in ("", "UTC", "Etc/UTC", "Etc/Universal", "Universal", "Zulu") else name


def environment(var_dir: Path, port: int) -> dict:
    env = dict(os.environ)
    env["TIPCAST_VAR_DIR"] = str(var_dir)
    env.setdefault("DJANGO_SETTINGS_MODULE", "supportsite.settings")
    # Links in e-mails and social posts must point at this server.
    env.setdefault("SITE_URL", f"http://{HOST}:{port}")
    env.setdefault("PYTHONUNBUFFERED", "1")
    # What users see: the friendly 404 and 500 pages, not Django's debug page.
    env.setdefault("DJANGO_DEBUG", "false")
    # E-mails as files a developer can open, not lines lost among the logs.
    env.setdefault("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    env.setdefault("EMAIL_FILE_PATH", str(mail_dir(var_dir)))
    env.setdefault("TIME_ZONE", machine_time_zone())
    return env


def mail_dir(var_dir: Path) -> Path:
    return var_dir / "mail"


def mail_summary(path: Path) -> str:
    """ "To → Subject" of the first message in a file the file e-mail backend wrote."""
    try:
        message = message_from_string(path.read_text(encoding="utf-8", errors="replace"))
        subject = str(make_header(decode_header(message.get("Subject", ""))))
        return f"to {message.get('To', '?')}: {subject}"
    except Exception:
        return "(unreadable)"


class MailWatcher:
    """Names each new file in var/mail/, so a developer sees that a
    confirmation or answer e-mail was sent and where to open it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.seen = set(self._files())

    def _files(self) -> list[Path]:
        return sorted(self.folder.glob("*.log")) if self.folder.is_dir() else []

    def announce_new(self) -> None:
        for path in self._files():
            if path not in self.seen:
                self.seen.add(path)
                say(f"E-mail written to {path} ({mail_summary(path)})")


def manage(*args: str, env: dict) -> str:
    """Run a management command; its output is shown and returned."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True, stdout=subprocess.PIPE, text=True
    )
    print(result.stdout, end="", flush=True)
    return result.stdout


class Processes:
    """The long-running children, each the leader of its own process group, so
    that stopping one also stops everything it forked (Celery's pool and beat)."""

    def __init__(self):
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str], env: dict, *, ready: re.Pattern | None = None) -> threading.Event:
        """Start `command`; the returned event is set once a line of its output
        matches `ready` (at once when there is no pattern)."""
        is_ready = threading.Event()
        # A new session: the terminal's Ctrl-C reaches only this script, which
        # then stops the children in order instead of all at once.
        if ready is None:
            process = subprocess.Popen(command, cwd=BASE_DIR, env=env, start_new_session=True)
            is_ready.set()
        else:
            process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=env,
                start_new_session=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            )
            threading.Thread(target=_forward, args=(process, ready, is_ready), daemon=True).start()
        self.running.append((name, process))
        return is_ready

    def exited(self) -> tuple[str, int] | None:
        for name, process in self.running:
            if process.poll() is not None:
                return name, process.returncode
        return None

    def stop_all(self) -> None:
        # SIGTERM to each leader only: Celery then shuts down warmly and stops
        # its own pool; signalling the whole group would kill the pool first.
        for _name, process in self.running:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for name, process in self.running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop within {STOP_TIMEOUT_SECONDS}s; killing it.")
        for _name, process in self.running:
            # The group leader may be gone while forked children linger.
            self._signal_group(process, signal.SIGKILL)
            process.wait()

    @staticmethod
    def _signal_group(process: subprocess.Popen, signum: int) -> None:
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            pass


def _forward(process: subprocess.Popen, ready: re.Pattern, is_ready: threading.Event) -> None:
    """Copy a child's output to ours line by line, watching for its ready line."""
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        if not is_ready.is_set() and ready.search(line):
            is_ready.set()


class Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise Stop(signal.Signals(signum).name)


def main() -> int:
    port_text = os.environ.get("PORT", "8000")
    if not port_text.isdigit():
        say(f"PORT must be a number, not {port_text!r}.")
        return 2
    port = int(port_text)
    var_dir = Path(os.environ.get("TIPCAST_VAR_DIR", BASE_DIR / "var")).resolve()
    if not port_is_free(port):
        say(f"Port {port} on {HOST} is already in use (another `make run`?). Stop it, or choose another port:")
        say(f"    PORT={port + 1} make run")
        return 1

    for folder in (
        var_dir,
        var_dir / "broker" / "queue",
        var_dir / "broker" / "processed",
        var_dir / "media",
        mail_dir(var_dir),
    ):
        folder.mkdir(parents=True, exist_ok=True)
    env = environment(var_dir, port)

    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    processes = Processes()
    try:
        say(f"Preparing the database in {var_dir} ...")
        manage("migrate", "--noinput", "--verbosity", "0", env=env)
        seed_output = manage("seed_demo", env=env)
        # seed_demo ends with the staff and the customer login (the demo
        # passwords live in qa.demo_content only); repeat them below the URL.
        logins = [line for line in seed_output.splitlines() if line.strip()][-2:]

        processes.start(
            "web server",
            [sys.executable, "manage.py", "runserver", f"{HOST}:{port}", "--noreload", "--skip-checks"],
            env,
        )
        worker_ready = processes.start(
            "Celery worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "supportsite",
                "worker",
                "--beat",
                "--loglevel",
                "info",
                "--concurrency",
                "2",
                "--schedule",
                str(var_dir / "celerybeat-schedule"),
            ],
            env,
            ready=WORKER_READY,
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not port_answers(port):
            if processes.exited() or time.monotonic() > deadline:
                say("The web server did not start; see its output above.")
                return 1
            time.sleep(0.2)
        # The address goes last: wait for the worker's banner to be out of the way.
        while not worker_ready.wait(timeout=0.2):
            if processes.exited():
                say("The Celery worker did not start; see its output above.")
                return 1
            if time.monotonic() > deadline:
                say("The Celery worker is slow to start; posts wait until it is ready.")
                break
        mail = MailWatcher(Path(env["EMAIL_FILE_PATH"]))

        print(flush=True)
        say(f"Tipcast is running at http://{HOST}:{port}/")
        for line in logins:
            say(f"  {line.strip()}")
        say("  Social posts go to the console channel: watch this terminal.")
        say(f"  E-mails are written to {mail.folder}/ (each one is named here as it is sent).")
        say("Press Ctrl-C to stop the web server and the worker.")
        print(flush=True)

        while True:
            stopped = processes.exited()
            if stopped:
                name, code = stopped
                say(f"The {name} stopped (exit code {code}); stopping everything else.")
                return 1
            mail.announce_new()
            time.sleep(0.5)
    except Stop as stop:
        say(f"{stop}: stopping ...")
        return 0
    except subprocess.CalledProcessError as error:
        say(f"Setup failed: {' '.join(map(str, error.cmd[1:]))} exited with {error.returncode}.")
        return 1
    finally:
        # A second Ctrl-C must not interrupt the shutdown half-way.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        processes.stop_all()
        if processes.running:
            say("Stopped.")


if __name__ == "__main__":
    sys.exit(main())
