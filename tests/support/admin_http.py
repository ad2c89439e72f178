"""Staff in the Django admin over real HTTP: signing in with a session cookie
and a CSRF token, and pressing a tip's Publish button."""

from __future__ import annotations

import requests

from tests.support.html_forms import csrf_token, text_of


class ProxiedSession(requests.Session):
    """Talks plain HTTP to the server as a TLS-terminating proxy would: it says
    X-Forwarded-Proto: https, and so it must send back the Secure cookies the
    site sets (requests would keep them for https:// URLs only)."""

    def __init__(self, base: str):
        super().__init__()
        port = base.rstrip("/").rsplit(":", 1)[1]
        self.headers.update({"X-Forwarded-Proto": "https", "Referer": f"https://127.0.0.1:{port}/"})

    def request(self, method, url, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        headers["Cookie"] = "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.cookies)
        return super().request(method, url, headers=headers, **kwargs)


def admin_session(base: str, *, username: str, password: str, behind_tls_proxy: bool = False) -> requests.Session:
    """Sign in to /admin/ at `base` (http://host:port) as staff would: the
    login page's CSRF token, then a real session cookie.

    behind_tls_proxy: the server runs with production settings behind a proxy
    that terminates TLS (see ProxiedSession)."""
    base = base.rstrip("/")
    session = ProxiedSession(base) if behind_tls_proxy else requests.Session()
    login_page = session.get(f"{base}/admin/login/", timeout=10)
    assert login_page.status_code == 200, login_page.text[:500]
    response = session.post(
        f"{base}/admin/login/?next=/admin/",
        data={
            "csrfmiddlewaretoken": csrf_token(login_page.text),
            "username": username,
            "password": password,
            "next": "/admin/",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302 and response.headers["Location"] == "/admin/", text_of(response.text)[-1500:]
    assert session.get(f"{base}/admin/", timeout=10).status_code == 200
    return session


def publish_through_admin(session: requests.Session, base: str, tip_id: int, *, form_page: str | None = None) -> None:
    """Submit the tip's Publish form; the admin sends staff back to the tip's change page.

    form_page: the HTML of the page whose Publish form staff press (the change
    page's button); by default the confirmation page /publish/ is fetched."""
    base = base.rstrip("/")
    publish_url = f"/admin/qa/tip/{tip_id}/publish/"
    if form_page is None:
        page = session.get(f"{base}{publish_url}", timeout=10)
        assert page.status_code == 200, page.text[:500]
        form_page = page.text
    response = session.post(
        f"{base}{publish_url}",
        data={"csrfmiddlewaretoken": csrf_token(form_page)},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    assert response.headers["Location"] == f"/admin/qa/tip/{tip_id}/change/"
