"""The client's IP address, by allauth's rule (SPEC §5).

With ``TRUSTED_PROXY_COUNT = N > 0`` the N-th entry of ``X-Forwarded-For``
from the right is the address our closest trusted proxy saw; entries to its
left were written by the client and are not trusted. With 0, or a header with
fewer than N entries, the socket address is used.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = [part.strip() for part in header.split(",") if part.strip()]
    if len(entries) < count:
        return remote
    candidate = entries[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
