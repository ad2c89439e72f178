"""`make run` (scripts/run.py) as a newcomer runs it: real processes, real port."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_SCRIPT = BASE_DIR / "scripts" / "run.py"
pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_env(tmp_path: Path, port: int) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "CELERY_", "SITE_URL"))}
    env.update(DJANGO_ENV="development", PORT=str(port), TIPCAST_VAR_DIR=str(tmp_path / "var"))
    return env


class Output:
    """Collects a process's combined output on a thread, so waiting for a line
    never blocks on a pipe."""

    def __init__(self, process: subprocess.Popen):
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for line in stream:
            self.lines.append(line)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, process: subprocess.Popen, timeout: float = 90) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.text)
            if match:
                return match
            if process.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail(f"{pattern!r} never appeared in the output:\n{self.text[-4000:]}")


def session_processes(session_id: int) -> list[int]:
    """Every live process in the session (or process group) `session_id` leads."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, process_group, session = fields[0], int(fields[2]), int(fields[3])
        if state != "Z" and session_id in (process_group, session):
            found.append(int(entry.name))
    return found


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def stop(process: subprocess.Popen) -> None:
    """Ctrl-C, as a developer would. Should run.py not exit in time, kill the
    process groups it leads, so a failing test never leaves a server or a
    worker behind."""
    leaders = children_of(process.pid)
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        for leader in leaders:
            try:
                os.killpg(leader, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.kill()
        process.wait()
        pytest.fail("run.py did not exit within 30 s of SIGINT")


def start(tmp_path, port):
    return subprocess.Popen(
        [sys.executable, str(RUN_SCRIPT)],
        cwd=tmp_path,  # run.py must not depend on the caller's directory
        env=run_env(tmp_path, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_make_run_serves_the_site_runs_a_worker_and_stops_everything_on_ctrl_c(tmp_path):
    port = free_port()
    process = start(tmp_path, port)
    output = Output(process)
    started = []
    try:
        url = output.wait_for(r"Tipcast is running at (http://\S+)", process).group(1)
        assert url == f"http://127.0.0.1:{port}/"
        assert "staff@example.com / tipcast-staff" in output.text
        assert "customer@example.com / tipcast-customer" in output.text

        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
        # The Celery worker is up, with beat, on the filesystem broker under var/.
        output.wait_for(r"celery@\S+ ready", process)
        output.wait_for(r"beat: Starting", process)
        assert (tmp_path / "var" / "db.sqlite3").exists()
        assert (tmp_path / "var" / "broker" / "queue").is_dir()

        leaders = children_of(process.pid)
        assert len(leaders) == 2  # the web server and the worker, each leading its own group
        started = [pid for leader in leaders for pid in session_processes(leader)]
        assert len(started) >= 3  # the worker forks its pool and beat
    finally:
        stop(process)

    assert process.returncode == 0
    assert "Stopped." in output.text
    assert [pid for pid in started if _is_running(pid)] == []
    assert not _port_answers(port)


def _is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class FormFields(HTMLParser):
    """The values a browser would submit for one <form> (by id): inputs,
    checked boxes, selected options and textareas; no submit buttons and no
    inline-formset templates (`__prefix__`)."""

    def __init__(self, html: str, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.fields, self.inside, self._select, self._textarea = form_id, {}, False, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        name = attrs.get("name") or ""
        if not self.inside or "__prefix__" in name:
            return
        if tag == "input" and name and attrs.get("type") not in {"submit", "button", "file"}:
            if attrs.get("type") not in {"checkbox", "radio"} or "checked" in attrs:
                self.fields[name] = attrs.get("value") or ("on" if attrs.get("type") == "checkbox" else "")
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def staff_session(url: str, output: Output) -> requests.Session:
    """Sign in to /admin/ with the demo staff login `make run` printed."""
    email, password = re.search(r"Staff login:\s+(\S+) / (\S+)", output.text).groups()
    session = requests.Session()
    login_page = session.get(f"{url}admin/login/", timeout=10)
    response = session.post(
        f"{url}admin/login/?next=/admin/",
        data={
            "csrfmiddlewaretoken": csrf_token(login_page.text),
            "username": email,
            "password": password,
            "next": "/admin/",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302 and response.headers["Location"] == "/admin/", response.text[-1500:]
    return session


def console_delivery_statuses(session: requests.Session, url: str, title: str) -> list[str]:
    """The status column of the tip's console rows in the admin's delivery list."""
    page = session.get(f"{url}admin/publishing/delivery/", params={"q": title, "channel__exact": "console"}, timeout=10)
    assert page.status_code == 200
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r'<td class="field-status[^"]*">(.*?)</td>', page.text, re.DOTALL)
    ]


def test_a_tip_published_in_the_admin_reaches_the_console_channel_within_seconds(tmp_path):
    """The whole pipeline under `make run`: the admin's publish button, the
    outbox row, the filesystem broker, the worker, the console channel."""
    port = free_port()
    process = start(tmp_path, port)
    output = Output(process)
    try:
        url = output.wait_for(r"Tipcast is running at (http://\S+)", process).group(1)
        output.wait_for(r"celery@\S+ ready", process)
        staff = staff_session(url, output)
        title = "送料無料になる条件は？"

        # A new draft, saved from the admin's add form as staff fill it in.
        add_page = staff.get(f"{url}admin/qa/tip/add/", timeout=10)
        form = FormFields(add_page.text, "tip_form").fields
        form.update(title=title, answer_text="5,000円（税込）以上のご注文で**送料無料**です。", _continue="1")
        saved = staff.post(f"{url}admin/qa/tip/add/", data=form, allow_redirects=False, timeout=10)
        assert saved.status_code == 302, re.sub(r"<[^>]+>|\s+", " ", saved.text)[-1500:]
        change_url = saved.headers["Location"]
        tip_id = re.fullmatch(r"/admin/qa/tip/(\d+)/change/", change_url).group(1)

        # The change page's Publish button: its own small form.
        change_page = staff.get(f"{url.rstrip('/')}{change_url}", timeout=10)
        publish_action = f"/admin/qa/tip/{tip_id}/publish/"
        assert f'action="{publish_action}"' in change_page.text
        published = staff.post(
            f"{url.rstrip('/')}{publish_action}",
            data={"csrfmiddlewaretoken": csrf_token(change_page.text)},
            allow_redirects=False,
            timeout=10,
        )
        assert published.status_code == 302 and published.headers["Location"] == change_url

        # A deadline, not a measurement: the console has no drip, so the row
        # is sent as soon as the worker takes the message off the queue.
        deadline = time.monotonic() + 30
        statuses = console_delivery_statuses(staff, url, title)
        while statuses != ["Sent"] and time.monotonic() < deadline:
            time.sleep(0.5)
            statuses = console_delivery_statuses(staff, url, title)
        assert statuses == ["Sent"], output.text[-4000:]
        # The worker printed the post: the title and the tip's link, with the console's UTM tag.
        post = output.wait_for(r"to the console channel:\n(.+)\n", process, timeout=10).group(1)
        assert post == title
        assert re.search(rf"\(link: {re.escape(url)}tips/{tip_id}/\S*utm_source=console", output.text)
        assert re.search(rf"tip={tip_id} channel=console attempt=1 outcome=sent", output.text)
    finally:
        stop(process)
    assert process.returncode == 0


def test_make_run_says_clearly_when_the_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, str(RUN_SCRIPT)],
            check=False,
            env=run_env(tmp_path, port),
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stdout
    assert f"PORT={port + 1} make run" in result.stdout
    assert not (tmp_path / "var").exists()  # nothing was started or created
