"""Configuration read from the environment, with safe development defaults."""

import os
import secrets
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _development_secret_key() -> str:
    """A random key kept in `instance/` so sessions survive restarts and are shared by all local processes."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Settings for one app instance; tests pass overrides to `create_app`."""

    SECRET_KEY = os.environ.get("SECRET_KEY") or _development_secret_key()
    # The app's own connection: on PostgreSQL a role that neither owns the tables nor is superuser.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'consortium.db'}"
    # Migrations run as the owner of the tables; defaults to the app's URL (SQLite, or a single-role setup).
    MIGRATION_DATABASE_URL = os.environ.get("MIGRATION_DATABASE_URL")
    # Role that migrations grant table privileges to (PostgreSQL only).
    APP_DB_ROLE = os.environ.get("APP_DB_ROLE")
    # The consortium scope's role (NOLOGIN, the app role a member of it): reads only what co-ops report to
    # the consortium. Empty: `<APP_DB_ROLE>_consortium_reader`. See docs/tenancy.md.
    CONSORTIUM_DB_ROLE = os.environ.get("CONSORTIUM_DB_ROLE") or None
    # Each pooled connection is tested before use, so one that died while idle (a database restart,
    # a terminated backend) is replaced instead of failing the request; `pool_recycle` retires connections
    # before a firewall or proxy drops them silently.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "pool_recycle": 1800}
    CONSORTIUM_NAME = os.environ.get("CONSORTIUM_NAME", "Consorzio Fragola")
    # The consortium's own office as a tenant of the directory: its invoicing raises the recharge invoices of
    # bulk purchasing (shared_services/purchasing); the demo creates it.
    CONSORTIUM_OFFICE_SLUG = os.environ.get("CONSORTIUM_OFFICE_SLUG", "consorzio-fragola-ufficio")
    CONSORTIUM_TIMEZONE = os.environ.get("CONSORTIUM_TIMEZONE", "Europe/Rome")
    # The interface language when neither the user nor the browser chooses one: `it` or `en`.
    CONSORTIUM_LANGUAGE = os.environ.get("CONSORTIUM_LANGUAGE", "it")
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    # Login attempts are counted in a file every web worker of this machine shares (consortium.ratelimit);
    # `memory://` would count per worker. Several machines: a shared server, e.g. redis://host:6379.
    RATELIMIT_STORAGE_URI = (os.environ.get("RATELIMIT_STORAGE_URI")
                             or f"sqlitefile://{INSTANCE_DIR / 'ratelimit.sqlite3'}")
    RATELIMIT_HEADERS_ENABLED = True
    API_TOKEN_DAYS = _env_int("API_TOKEN_DAYS", 30)
    INVITATION_DAYS = _env_int("INVITATION_DAYS", 14)
    SESSION_COOKIE_HTTPONLY = True
    # The cookie is Secure on every request that came over TLS; set this to force it on all of them.
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0").lower() in ("1", "true", "yes")
    # How many reverse proxies sit in front and may be believed about the scheme, host and client
    # address (X-Forwarded-*, via Werkzeug's ProxyFix). 0: none, the headers are ignored.
    TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None

    API_TITLE = "Co-operative consortium back office"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_REDOC_PATH = "docs"
    OPENAPI_REDOC_URL = None  # no CDN reachable: the docs page is served by our own template
    API_SPEC_OPTIONS = {
        "info": {"description": (
            "Errors are RFC 7807 problems (application/problem+json) naming each field. Money, rates and "
            "quantities are decimal strings such as \"1472.80\" (type string, format decimal), never JSON "
            "numbers, so no amount passes through a float; send them as strings too. Integers are 32-bit. "
            "Lists take page and page_size and answer an X-Pagination header holding a JSON object.")},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 12 * 1024 * 1024)

    # Outbound email: with no SMTP_HOST (development) messages go to the log and to MAIL_DEBUG_DIR as .eml files.
    SMTP_HOST = os.environ.get("SMTP_HOST") or None
    SMTP_PORT = _env_int("SMTP_PORT", 25)
    SMTP_USER = os.environ.get("SMTP_USER") or None
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD") or None
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "0").lower() in ("1", "true", "yes")
    SMTP_TIMEOUT = _env_int("SMTP_TIMEOUT", 10)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Consortium back office <no-reply@localhost>")
    MAIL_DEBUG_DIR = os.environ.get("MAIL_DEBUG_DIR") or str(INSTANCE_DIR / "outbox-mail")
    # Outbox delivery: retries back off exponentially from the base, then the message is marked failed.
    OUTBOX_MAX_ATTEMPTS = _env_int("OUTBOX_MAX_ATTEMPTS", 8)
    OUTBOX_BACKOFF_SECONDS = _env_int("OUTBOX_BACKOFF_SECONDS", 60)
    # A job's run lock (consortium.scheduler): a holder that died on another host frees it after this long
    # (one on the same host at once: its process id is gone). Renewed as each co-op's run starts.
    JOB_LOCK_SECONDS = _env_int("JOB_LOCK_SECONDS", 30 * 60)
    WEBHOOK_CONNECT_TIMEOUT = float(os.environ.get("WEBHOOK_CONNECT_TIMEOUT", 3))
    WEBHOOK_READ_TIMEOUT = float(os.environ.get("WEBHOOK_READ_TIMEOUT", 10))
    # Co-ops choose webhook URLs: by default the server refuses to call loopback and private networks.
    WEBHOOK_ALLOW_PRIVATE_NETWORKS = os.environ.get("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "0").lower() in ("1", "true")
    # Jurisdiction whose mutual-fund defaults (rate, minimum, due days, legal reserve) the consortium starts from.
    CONSORTIUM_JURISDICTION = os.environ.get("CONSORTIUM_JURISDICTION", "it")
    # Largest annual-accounts upload accepted (bytes); keep MAX_CONTENT_LENGTH above it.
    ACCOUNTS_MAX_UPLOAD_BYTES = _env_int("ACCOUNTS_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
