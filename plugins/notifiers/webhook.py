"""Webhook notifier: POST a signed JSON body, with timeouts, no redirects and a bounded error excerpt.

Headers: `X-Consortium-Event` (event type), `X-Consortium-Delivery` (the delivery id, the same on
every retry so receivers can drop duplicates) and `X-Consortium-Signature: sha256=<hex>`, the
HMAC-SHA256 of the raw body with the subscription's secret. A 2xx answer is a delivery; anything
else raises, and the outbox retries later.

Unless `WEBHOOK_ALLOW_PRIVATE_NETWORKS` is set, hosts that resolve to loopback, private or
link-local addresses are refused, so a co-op cannot point the server at internal services.
(The check resolves the name before the request; it does not defend against DNS rebinding.)
"""

import hashlib
import hmac
import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

RESPONSE_EXCERPT_BYTES = 4096


class WebhookRefused(Exception):
    """The receiver did not accept the delivery (non-2xx answer) or may not be called."""


def signature(secret: str, body: bytes) -> str:
    """The `X-Consortium-Signature` value for `body`: `sha256=<hex HMAC-SHA256>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def refuse_private_host(url: str) -> None:
    """Raise WebhookRefused if the URL's host resolves to a non-public address."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for *_, sockaddr in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if not address.is_global:
            raise WebhookRefused(f"refused to call {parts.hostname}: it resolves to {address}, not a public address")


@dataclass(frozen=True)
class WebhookNotifier:
    """Posts one delivery per call; raises (requests.RequestException, WebhookRefused) when not accepted."""

    channel: str = "webhook"

    def send(self, *, url: str, body: bytes, event_type: str, delivery_id: str, secret: str,
             config: Mapping) -> None:
        """POST `body` to `url`; returns on 2xx, raises otherwise."""
        if not config.get("WEBHOOK_ALLOW_PRIVATE_NETWORKS"):
            refuse_private_host(url)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "consortium-webhooks/1",
            "X-Consortium-Event": event_type,
            "X-Consortium-Delivery": delivery_id,
            "X-Consortium-Signature": signature(secret, body),
        }
        timeout = (float(config.get("WEBHOOK_CONNECT_TIMEOUT") or 3), float(config.get("WEBHOOK_READ_TIMEOUT") or 10))
        with requests.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False,
                           stream=True) as response:
            if 200 <= response.status_code < 300:
                return
            # Read only a bounded excerpt: the receiver's answer is not ours to store whole.
            excerpt = response.raw.read(RESPONSE_EXCERPT_BYTES, decode_content=True) or b""
            raise WebhookRefused(f"HTTP {response.status_code} {response.reason or ''}: "
                                 f"{excerpt.decode('utf-8', 'replace')}".strip())


notifier = WebhookNotifier()
