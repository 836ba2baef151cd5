"""Authentication (password sessions for pages, bearer tokens for the API) and role checks."""

import hashlib
import secrets
from datetime import timedelta
from functools import wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user, login_user
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from consortium.db import as_utc, utcnow
from consortium.errors import ServiceError
from consortium.extensions import db, login_manager
from consortium.i18n import _
from consortium.models import ApiToken, User
from consortium.passwords import check_new_password
from consortium.tenancy import set_consortium_scope

# Argon2id: memory-hard, the OWASP-recommended password KDF.
password_hasher = PasswordHasher()
_DUMMY_HASH = password_hasher.hash("timing-equaliser")


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return password_hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """True if `password` is the user's; spends the same time whether or not the user exists."""
    usable = user is not None and user.password_hash is not None and user.is_active
    try:
        return password_hasher.verify(user.password_hash if usable else _DUMMY_HASH, password) and usable
    except (VerificationError, InvalidHashError):
        return False


def sha256(token: str) -> str:
    """Hex SHA-256 of a secret, the only form in which tokens are stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    return user if verify_password(user, password) else None


def issue_api_token(session, user: User) -> tuple[str, ApiToken]:
    """Create a bearer token for `user`; returns the secret (shown once) and its record."""
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        token_hash=sha256(secret),
        expires_at=utcnow() + timedelta(days=current_app.config["API_TOKEN_DAYS"]),
    )
    session.add(token)
    session.flush()
    return secret, token


def _bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


# Built once: building the SELECT and its eager-load options on every request cost more than running it (issue 16).
_TOKEN_QUERY = (select(ApiToken).where(ApiToken.token_hash == bindparam("token_hash"))
                .options(joinedload(ApiToken.user).joinedload(User.roles)))


def current_api_token() -> ApiToken | None:
    """The live token the current API request carries, or None.

    One query reads the token, its user, the user's roles and the co-ops they name (the request's tenant is
    taken from those), so nothing is cached between requests: a revoked token or a removed role stops
    working on the next request.
    """
    secret = _bearer_secret()
    if secret is None:
        return None
    token = db.session.execute(_TOKEN_QUERY, {"token_hash": sha256(secret)}).unique().scalar_one_or_none()
    if token is None or token.revoked_at is not None or as_utc(token.expires_at) <= utcnow():
        return None
    return token


def is_api_request() -> bool:
    """True for requests to the JSON API."""
    return request.path.startswith("/api/")


SESSION_GENERATION_KEY = "_generation"


def start_session(user: User) -> None:
    """Log `user` in on this browser; the session is valid until their session generation changes."""
    login_user(user)
    session[SESSION_GENERATION_KEY] = user.session_generation


def end_sessions(db_session, user: User, *, keep_current: bool = False) -> None:
    """End every session and revoke every API token of `user` (on the server, not only in a browser).

    With `keep_current` the browser making this request stays logged in (a user changing their own
    password); every other browser and script must log in again.
    """
    user.session_generation = (user.session_generation or 0) + 1
    db_session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))
    db_session.flush()
    if keep_current and current_user.is_authenticated and current_user.id == user.id:
        session[SESSION_GENERATION_KEY] = user.session_generation


def change_own_password(db_session, user: User, current_password: str, new_password: str) -> User:
    """The user's own password change: the current one must be right; their other sessions and tokens end."""
    if not verify_password(user, current_password or ""):
        problem = _("is not your current password")
        raise ServiceError(_("%(field)s: %(problem)s", field=_("Current password"), problem=problem),
                           {"current_password": [problem]})
    user.password_hash = hash_password(check_new_password(new_password, user_inputs=(user.email, user.name),
                                                          field="new_password"))
    db_session.flush()
    end_sessions(db_session, user, keep_current=True)
    return user


def _role_names(roles) -> str:
    """The roles a page needs, by name in the reader's language."""
    from consortium.views import role_label

    return ", ".join(role_label(r) for r in roles)


@login_manager.user_loader
def _load_session_user(user_id: str):
    # The API authenticates by bearer token only: a browser cookie must never authorise an
    # API call, since the API is exempt from CSRF protection.
    if is_api_request():
        return None
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    if user is None or not user.is_active:
        return None
    if session.get(SESSION_GENERATION_KEY) != user.session_generation:
        return None  # logged out (or password changed) since this cookie was issued
    return user


@login_manager.request_loader
def _load_token_user(req):
    if not is_api_request():
        return None
    token = current_api_token()
    if token is None or not token.user.is_active:
        return None
    g.api_token = token
    return token.user


@login_manager.unauthorized_handler
def _unauthorized():
    if is_api_request():
        abort(401, _("Send a valid bearer token: POST /api/v1/auth/token with email and password."))
    return redirect(url_for("shell.login", next=request.full_path.rstrip("?")))


def login_rate_limit() -> str:
    """The configured limit on login attempts (page and token endpoint), e.g. '10 per minute'."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def require_login():
    """Stop the request unless someone is logged in."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def consortium_role_required(*roles: str):
    """Only users holding one of `roles` at consortium level; the view runs in the consortium scope."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_consortium_role(*roles):
                abort(403, _("This needs one of the consortium roles: %(roles)s.", roles=_role_names(roles)))
            set_consortium_scope(db.session, True)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def tenant_role_required(*roles: str):
    """Only users holding one of `roles` in the co-op named by the URL (already checked to be theirs)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            tenant = g.get("tenant")
            if tenant is None or not current_user.is_authenticated:
                abort(404)
            if not current_user.tenant_roles(tenant.id) & set(roles):
                abort(403, _("This needs one of the co-op roles: %(roles)s.", roles=_role_names(roles)))
            return view(*args, **kwargs)

        return wrapped

    return decorator
