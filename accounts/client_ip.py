"""The client's address, for sign-in throttling and the email limits.

Behind N trusted proxies (``PROXY_COUNT``), each appends the address it received the
request from to X-Forwarded-For, so the client is the N-th entry from the right; anything
further left was written by the client and is not trusted. With no proxy, or a header that
is missing or malformed, the connection's own address (REMOTE_ADDR) is used.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.COURSEBOOK_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
