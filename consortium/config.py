"""Configuration read from the environment, with safe development defaults."""

import os
import secrets
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    """Settings for one app instance; tests pass overrides to `create_app`."""

    SECRET_KEY = os.environ.get("SECRET_KEY") or secrets.token_hex(32)
    # The app's own connection: on PostgreSQL a role that neither owns the tables nor is superuser.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'consortium.db'}"
    # Migrations run as the owner of the tables; defaults to the app's URL (SQLite, or a single-role setup).
    MIGRATION_DATABASE_URL = os.environ.get("MIGRATION_DATABASE_URL")
    # Role that migrations grant table privileges to (PostgreSQL only).
    APP_DB_ROLE = os.environ.get("APP_DB_ROLE")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    CONSORTIUM_NAME = os.environ.get("CONSORTIUM_NAME", "Consorzio Fragola")
    CONSORTIUM_TIMEZONE = os.environ.get("CONSORTIUM_TIMEZONE", "Europe/Rome")
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    API_TOKEN_DAYS = _env_int("API_TOKEN_DAYS", 30)
    INVITATION_DAYS = _env_int("INVITATION_DAYS", 14)
    SESSION_COOKIE_HTTPONLY = True
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
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 12 * 1024 * 1024)
