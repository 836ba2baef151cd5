"""Authentication (password sessions for pages, bearer tokens for the API) and role checks."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import NamedTuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user, login_user
from sqlalchemy import and_, bindparam, select, update

from consortium.db import as_utc, utcnow
from consortium.errors import ServiceError
from consortium.extensions import db, login_manager
from consortium.i18n import _
from consortium.models import ApiToken, RoleAssignment, RoleHolder, Tenant, User
from consortium.passwords import check_new_password
from consortium.tenancy import NO_TENANT_TABLES, set_consortium_scope

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


class HeldRole(NamedTuple):
    role: str
    tenant_id: int | None
    project_id: int | None


@dataclass(frozen=True, slots=True)
class ApiPrincipal(RoleHolder):
    """Who an API request acts as, read as plain columns (issue 16): no ORM user is built for a request.

    It answers the questions the API asks of `current_user` (id, language, roles); a write that needs the
    ORM user loads it by `id` there. Read afresh on every request, so nothing outlives a revocation.
    """

    id: int
    name: str
    email: str
    language: str | None
    token_id: int
    roles: tuple[HeldRole, ...]
    tenant: object = None  # the co-op the URL names, if the user holds a role in it (ORM Tenant)
    is_active: bool = True
    is_authenticated: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return str(self.id)


# Built once: the token, its user and their roles as columns, and the co-op the URL names (if they hold a
# role in it) as the one ORM object the request needs, all in one statement.
_tokens, _users, _roles = ApiToken.__table__, User.__table__, RoleAssignment.__table__
_PRINCIPAL_QUERY = (
    select(_tokens.c.id.label("token_id"), _tokens.c.expires_at, _tokens.c.revoked_at,
           _users.c.id.label("user_id"), _users.c.is_active, _users.c.name, _users.c.email, _users.c.language,
           _roles.c.role, _roles.c.tenant_id, _roles.c.project_id, Tenant)
    .select_from(_tokens.join(_users, _users.c.id == _tokens.c.user_id)
                 .outerjoin(_roles, _roles.c.user_id == _users.c.id)
                 .outerjoin(Tenant, and_(Tenant.id == _roles.c.tenant_id, Tenant.slug == bindparam("slug"))))
    .where(_tokens.c.token_hash == bindparam("token_hash"))
    .order_by(_roles.c.id)
    .execution_options(**{NO_TENANT_TABLES: True})
)


def current_api_principal() -> ApiPrincipal | None:
    """The principal of the live token the current API request carries, or None.

    One query reads the token, its user, the user's roles and the co-op the URL names, so nothing is cached
    between requests: a revoked or expired token, a deactivated user or a removed role stops working on
    the next request.
    """
    secret = _bearer_secret()
    if secret is None:
        return None
    rows = db.session.execute(_PRINCIPAL_QUERY, {"token_hash": sha256(secret), "slug": g.get("tenant_slug")}).all()
    if not rows:
        return None
    first = rows[0]
    if first.revoked_at is not None or as_utc(first.expires_at) <= utcnow() or not first.is_active:
        return None
    return ApiPrincipal(
        id=first.user_id, name=first.name, email=first.email, language=first.language, token_id=first.token_id,
        roles=tuple(HeldRole(r.role, r.tenant_id, r.project_id) for r in rows if r.role is not None),
        tenant=next((r.Tenant for r in rows if r.Tenant is not None), None),
    )


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
    return current_api_principal()


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
