"""The client's IP address: the one key every per-IP rate limit uses.

Behind TLS-terminating proxies the connection address (REMOTE_ADDR) is the
proxy's, shared by every visitor, so a per-IP limit would become site-wide.
Each proxy appends the address it received the request from to
X-Forwarded-For; anything to the left of what our own proxies appended was
written by the client and can be spoofed. With TIPCAST_TRUSTED_PROXY_COUNT = N
the client is therefore the N-th entry from the right, never the leftmost.

django-ratelimit's key="ip" (RATELIMIT_IP_META_KEY) and allauth's rate limits
(the account adapter's get_client_ip) both call client_ip(), so every limit in
the site counts the same client the same way.
"""

import ipaddress

from django.conf import settings


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The address of the client that sent `request`, as a normalised string."""
    remote_addr = request.META.get("REMOTE_ADDR", "")
    trusted_proxies = settings.TIPCAST_TRUSTED_PROXY_COUNT
    forwarded_for = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted_proxies and forwarded_for:
        hops = [hop for hop in forwarded_for.split(",") if hop.strip()]
        if hops:
            # Fewer entries than trusted proxies: fewer of our proxies were on
            # the way than configured, every entry is still one of theirs, and
            # the leftmost is the nearest to the client.
            candidate = _valid_ip(hops[-min(trusted_proxies, len(hops))])
            if candidate:
                return candidate
    # Direct connection (or a proxy that wrote nonsense): the connection address.
    return _valid_ip(remote_addr) or remote_addr
