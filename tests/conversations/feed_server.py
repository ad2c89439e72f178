"""A loopback HTTP server that serves feeds, good and bad, for the feed source's tests."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The listening engineer's port range (never another engineer's).
PORTS = range(18400, 18500)

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Blog search: Tipcast</title><link>https://blogs.example/</link>
<language>ja</language>
{items}
</channel></rss>"""
RSS_ITEM = """<item><title>{title}</title><link>https://blogs.example/{slug}</link><guid>{guid}</guid>
<author>writer@blogs.example (Aki)</author>
<pubDate>{date}</pubDate><description><![CDATA[{html}]]></description></item>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Alerts: Tipcast</title><id>urn:alerts</id>
<updated>2026-11-20T10:00:00Z</updated>
<entry><title>Tipcast の返品について</title><id>tag:alerts,2026:1</id>
<link href="https://news.example/a/1"/><updated>2026-11-20T10:00:00Z</updated>
<author><name>Ren</name><uri>https://news.example/ren</uri></author>
<content type="html">&lt;p&gt;返品&lt;b&gt;できない&lt;/b&gt;&lt;/p&gt;</content></entry>
</feed>"""


def rss_item(n: int, *, html: str = "", date: str = "") -> str:
    return RSS_ITEM.format(
        title=f"Post {n} about Tipcast",
        slug=f"post-{n}",
        guid=f"https://blogs.example/post-{n}",
        date=date or f"Wed, {n + 10:02d} Nov 2026 09:00:00 GMT",
        html=html or f"<p>Tipcast post {n}</p>",
    )


class FeedServer:
    """Routes: /rss (ETag, answers 304 to it), /atom, /not-xml, /huge (20 MB,
    chunked), /huge-declared (Content-Length 20 MB), /error (500), /slow, /redirect."""

    def __init__(self, *, ports=PORTS):
        """`ports`: the ports to try in turn; (0,) takes any free one."""
        self.rss_items = [rss_item(1), rss_item(2)]
        self.etag = '"v1"'
        self.requests: list[dict] = []
        self.slow_seconds = 3.0
        self.custom_body = b""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
                route = getattr(server, "route_" + self.path.strip("/").replace("-", "_"), None)
                if route is None:
                    self.send_error(404)
                else:
                    route(self)

        for port in ports:
            try:
                self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
                break
            except OSError:
                continue
        else:
            raise RuntimeError(f"no free port in {ports}")
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    def stop(self):
        if self.thread.is_alive():
            self.httpd.shutdown()
            self.httpd.server_close()

    @staticmethod
    def _send(handler, body: bytes, *, content_type="application/rss+xml", status=200, headers=()):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    def route_rss(self, handler):
        if handler.headers.get("If-None-Match") == self.etag:
            handler.send_response(304)
            handler.send_header("ETag", self.etag)
            handler.end_headers()
            return
        body = RSS.format(items="\n".join(self.rss_items)).encode()
        self._send(handler, body, headers=[("ETag", self.etag), ("Last-Modified", "Wed, 25 Nov 2026 09:00:00 GMT")])

    def route_atom(self, handler):
        self._send(handler, ATOM.encode(), content_type="application/atom+xml")

    def route_custom(self, handler):
        self._send(handler, self.custom_body)

    def route_not_xml(self, handler):
        self._send(handler, b"<html><body>Hello, this is a web page</body></html>", content_type="text/html")

    def route_plain_text(self, handler):
        self._send(handler, b"just some words, no markup at all", content_type="text/plain")

    def route_huge(self, handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunk = (rss_item(1) * 200).encode()
        sent = 0
        try:
            while sent < 20 * 1024 * 1024:
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            handler.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the reader stopped at its limit, as it should

    def route_huge_declared(self, handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(20 * 1024 * 1024))
        handler.end_headers()
        try:
            handler.wfile.write(b"<rss>")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def route_error(self, handler):
        self._send(handler, b"oops", content_type="text/plain", status=503, headers=[("Retry-After", "120")])

    def route_slow(self, handler):
        time.sleep(self.slow_seconds)
        self.route_rss(handler)

    def route_redirect(self, handler):
        handler.send_response(302)
        handler.send_header("Location", "/atom")
        handler.send_header("Content-Length", "0")
        handler.end_headers()
