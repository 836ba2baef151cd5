"""Web security basics: safe redirects after login, response headers, proxy trust, cookie flags.

- `safe_next(target)`: only a same-origin relative path survives (browsers read `/\\host`,
  `/%09/host` and `//host` as another host, so the target is normalised the way a browser
  would before it is judged).
- Every response carries a Content-Security-Policy with no inline scripts, `nosniff`,
  `X-Frame-Options: DENY`, a Referrer-Policy, and `Cache-Control: no-store` when it was made for
  a logged-in user (pages and API answers with private data must not stay in shared caches or the
  browser's back-forward history). HSTS is sent only over TLS.
- Behind a reverse proxy, `X-Forwarded-Proto/-For/-Host` are trusted only when TRUSTED_PROXY_COUNT
  says how many proxies sit in front (Werkzeug's ProxyFix); otherwise they are ignored, so a client
  cannot claim TLS or another address.
"""

from urllib.parse import unquote, urlsplit

from flask import Flask, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline script anywhere (there is none in the templates; small JS lives in static files).
# Inline style attributes are still used by templates for widths and colours of bars, hence 'unsafe-inline'
# for styles only, which cannot run code.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# One year, the value the HSTS preload list asks for (RFC 6797 section 6.1.1 defines max-age in seconds).
HSTS = "max-age=31536000; includeSubDomains"


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash, so `/\\evil`,
    `/%09/evil` (once decoded) and `//evil` all mean the host `evil`. The target is decoded,
    cleaned the same way, and refused unless what remains is a relative path with no scheme
    and no host.
    """
    if not target:
        return None
    decoded = target
    for _ in range(3):  # doubly encoded forms (%252F...) are decoded too
        once = unquote(decoded)
        if once == decoded:
            break
        decoded = once
    cleaned = "".join(c for c in decoded if c not in "\t\r\n").replace("\\", "/")
    if any(ord(c) < 32 or ord(c) == 127 for c in cleaned):
        return None
    if not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return None
    return target if target == cleaned else cleaned


class TlsAwareSessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, its cookie marked `Secure` whenever the request came over TLS.

    Decided per request: the same app may answer plain HTTP on loopback (the health check) and
    HTTPS through the proxy; SESSION_COOKIE_SECURE=True forces the flag everywhere.
    """

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


def register_security(app: Flask) -> None:
    """Trust a configured proxy, mark the session cookie Secure over TLS, add the security headers."""
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)

    app.session_interface = TlsAwareSessionInterface()

    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if _private(response):
            headers["Cache-Control"] = "no-store"
            headers.setdefault("Pragma", "no-cache")
        return response


def _private(response) -> bool:
    if request.endpoint == "static":
        return False
    # Anything asked for with credentials (a logged-in session or a bearer token), anything that
    # is not a plain GET, and the login and invitation pages (CSRF tokens, flashes). Decided from
    # the request alone: loading the user here would query the database, which may be down.
    return bool(request.headers.get("Authorization") or session.get("_user_id")) or request.method != "GET" or \
        request.path in ("/login", "/logout") or request.path.startswith("/invitation") or \
        "Set-Cookie" in response.headers
