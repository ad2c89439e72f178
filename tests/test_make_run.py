"""`make run` (scripts/run.py) as a newcomer runs it: real processes, real port."""

import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import requests

from tests.support.admin_http import admin_session, publish_through_admin
from tests.support.html_forms import FormFields, text_of
from tests.support.processes import (
    ROOT,
    Output,
    children_of,
    free_port,
    is_running,
    port_open,
    session_processes,
    wait_for,
)

RUN_SCRIPT = ROOT / "scripts" / "run.py"
pytestmark = pytest.mark.e2e


def run_env(tmp_path: Path, port: int) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "CELERY_", "SITE_URL"))}
    env.update(DJANGO_ENV="development", PORT=str(port), TIPCAST_VAR_DIR=str(tmp_path / "var"))
    return env


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
        url = output.wait_for(r"Tipcast is running at (http://\S+)").group(1)
        assert url == f"http://127.0.0.1:{port}/"
        assert "staff@example.com / tipcast-staff" in output.text
        assert "customer@example.com / tipcast-customer" in output.text

        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
        # The Celery worker is up, with beat, on the filesystem broker under var/,
        # and the address came after its banner, so it does not scroll away.
        output.wait_for(r"celery@\S+ ready")
        output.wait_for(r"beat: Starting")
        assert output.text.index("Tipcast is running at") > re.search(r"celery@\S+ ready", output.text).start()
        assert f"E-mails are written to {tmp_path / 'var' / 'mail'}/" in output.text

        # What users see: the friendly 404, not Django's debug page; static
        # files served, and not logged line by line.
        missing = requests.get(f"{url}no-such-page/", timeout=10)
        assert missing.status_code == 404
        assert "URLconf" not in missing.text and "site-header" in missing.text
        assert requests.get(f"{url}static/css/site.css", timeout=10).status_code == 200
        output.wait_for(r"GET /no-such-page/ HTTP/1\.1\" 404")
        assert "GET /static/css/site.css" not in output.text

        # A development e-mail is a file under var/mail/, named in the output.
        signup = requests.Session()
        form = FormFields(signup.get(f"{url}accounts/signup/", timeout=10).text, "signup-form").fields
        form.update(
            email="newcomer@example.com", password1="a-long-Passphrase-2026", password2="a-long-Passphrase-2026"
        )
        answer = signup.post(f"{url}accounts/signup/", data=form, headers={"Referer": url}, timeout=10)
        assert answer.status_code == 200, text_of(answer.text)
        written = output.wait_for(r"E-mail written to (\S+) \(to newcomer@example\.com: ").group(1)
        assert Path(written).parent == tmp_path / "var" / "mail"
        assert "newcomer@example.com" in Path(written).read_text()
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
    assert [pid for pid in started if is_running(pid)] == []
    assert not port_open("127.0.0.1", port)


def staff_session(url: str, output: Output) -> requests.Session:
    """Sign in to /admin/ with the demo staff login `make run` printed."""
    email, password = re.search(r"Staff login:\s+(\S+) / (\S+)", output.text).groups()
    return admin_session(url, username=email, password=password)


def console_delivery_statuses(session: requests.Session, url: str, title: str) -> list[str]:
    """The status column of the tip's console rows in the admin's delivery list."""
    page = session.get(f"{url}admin/publishing/delivery/", params={"q": title, "channel__exact": "console"}, timeout=10)
    assert page.status_code == 200
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r'<td class="field-state[^"]*"[^>]*>(.*?)</td>', page.text, re.DOTALL)
    ]


def test_a_tip_published_in_the_admin_reaches_the_console_channel_within_seconds(tmp_path):
    """The whole pipeline under `make run`: the admin's publish button, the
    outbox row, the filesystem broker, the worker, the console channel."""
    port = free_port()
    process = start(tmp_path, port)
    output = Output(process)
    try:
        url = output.wait_for(r"Tipcast is running at (http://\S+)").group(1)
        output.wait_for(r"celery@\S+ ready")
        staff = staff_session(url, output)
        title = "送料無料になる条件は？"

        # A new draft, saved from the admin's add form as staff fill it in.
        add_page = staff.get(f"{url}admin/qa/tip/add/", timeout=10)
        form = FormFields(add_page.text, "tip_form").fields
        form.update(title=title, answer_text="5,000円（税込）以上のご注文で**送料無料**です。", _continue="1")
        saved = staff.post(f"{url}admin/qa/tip/add/", data=form, allow_redirects=False, timeout=10)
        assert saved.status_code == 302, text_of(saved.text)[-1500:]
        change_url = saved.headers["Location"]
        tip_id = re.fullmatch(r"/admin/qa/tip/(\d+)/change/", change_url).group(1)

        # The change page's Publish button: its own small form.
        change_page = staff.get(f"{url.rstrip('/')}{change_url}", timeout=10)
        publish_action = f"/admin/qa/tip/{tip_id}/publish/"
        assert f'action="{publish_action}"' in change_page.text
        publish_through_admin(staff, url, int(tip_id), form_page=change_page.text)

        # A deadline, not a measurement: the console has no drip, so the row
        # is sent as soon as the worker takes the message off the queue.
        wait_for(
            lambda: console_delivery_statuses(staff, url, title) == ["Sent"],
            timeout=30,
            interval=0.5,
            what=lambda: f"the console row to be Sent\n{output.text[-4000:]}",
        )
        # The worker printed the post: the title and the tip's link, with the console's UTM tag.
        post = output.wait_for(r"to the console channel:\n(.+)\n", timeout=10).group(1)
        assert post == title
        output.wait_for(rf"\(link: {re.escape(url)}tips/{tip_id}/\S*utm_source=console", timeout=10)
        # The outcome is logged after the row's status commits, so it may come a moment later.
        output.wait_for(rf"tip={tip_id} channel=console attempt=1 outcome=sent", timeout=10)
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
