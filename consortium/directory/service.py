"""Business rules for member co-ops, users and roles. Functions take a session; they flush, never commit."""

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from consortium.auth import end_sessions, hash_password, sha256
from consortium.db import as_utc, utcnow
from consortium.errors import Conflict, NotFound, field_error
from consortium.i18n import _
from consortium.models import CONSORTIUM_ROLES, PROJECT_ROLES, RoleAssignment, Tenant, User
from consortium.notifications.service import TENANT_CREATED_EVENT, emit_event
from consortium.passwords import check_new_password
from plugins.jurisdictions.base import InvalidIdentifier, get_jurisdiction

TENANT_FIELDS = (
    "name", "legal_form", "country", "currency", "registration_number", "vat_number", "founding_date",
    "status", "address", "city", "postcode",
)


def visible_tenants_query(user: User):
    """SELECT of the co-ops the user may see: all for consortium roles, otherwise those they hold a role in."""
    query = select(Tenant).order_by(Tenant.name)
    if not user.has_consortium_role("consortium_admin", "consortium_staff"):
        query = query.where(Tenant.id.in_(user.tenant_ids or {-1}))
    return query


def get_tenant_for(session, user: User, slug: str) -> Tenant:
    """One co-op by slug, if the user may see it; otherwise NotFound (never a hint it exists)."""
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    visible = tenant is not None and (
        user.has_consortium_role("consortium_admin", "consortium_staff") or tenant.id in user.tenant_ids
    )
    if not visible:
        raise NotFound(_("No co-op '%(slug)s'.", slug=slug))
    return tenant


def _tenant_by_slug(session, slug: str, field: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise field_error(field, _("no co-op with slug '%(slug)s'", slug=slug))
    return tenant


def _check_sponsor(session, tenant: Tenant, sponsor_slug: str | None) -> Tenant | None:
    if not sponsor_slug:
        return None
    sponsor = _tenant_by_slug(session, sponsor_slug, "sponsor")
    if sponsor.status != "active":
        raise field_error("sponsor", _("'%(slug)s' is not an active member co-op", slug=sponsor_slug))
    ancestor = sponsor
    while ancestor is not None:  # a co-op cannot be its own ancestor
        if tenant.id is not None and ancestor.id == tenant.id:
            raise field_error("sponsor", _("'%(slug)s' descends from this co-op: that would make a cycle",
                                             slug=sponsor_slug))
        ancestor = ancestor.sponsor
    return sponsor


def _apply_tenant_fields(session, tenant: Tenant, data: dict) -> None:
    for field in TENANT_FIELDS:
        if field in data:
            setattr(tenant, field, data[field])
    jurisdiction = get_jurisdiction(tenant.country)
    if tenant.currency is None:
        tenant.currency = jurisdiction.default_currency
    known_forms = {form.code for form in jurisdiction.legal_forms()}
    if tenant.legal_form not in known_forms:
        raise field_error("legal_form", _("'%(form)s' is not a legal form in %(country)s; choose one of %(forms)s",
                                          form=tenant.legal_form, country=tenant.country,
                                          forms=", ".join(sorted(known_forms))))
    if tenant.vat_number:
        try:
            tenant.vat_number = jurisdiction.validate_vat_number(tenant.vat_number)
        except InvalidIdentifier as error:
            raise field_error("vat_number", str(error)) from error
    if "sponsor" in data:
        sponsor = _check_sponsor(session, tenant, data["sponsor"])
        tenant.sponsor = sponsor


def create_tenant(session, data: dict) -> Tenant:
    """Register a new member co-op."""
    if session.scalar(select(Tenant.id).where(Tenant.slug == data["slug"])) is not None:
        raise Conflict(_("slug: '%(slug)s' is already taken", slug=data["slug"]), {"slug": [_("already taken")]})
    tenant = Tenant(slug=data["slug"], status="active")
    _apply_tenant_fields(session, tenant, data)
    session.add(tenant)
    session.flush()
    emit_event(session, TENANT_CREATED_EVENT, tenant_as_dict(tenant), tenant_id=None)
    return tenant


def update_tenant(session, tenant: Tenant, changes: dict) -> Tenant:
    """Change a co-op's record (the slug is fixed: URLs and exports refer to it)."""
    _apply_tenant_fields(session, tenant, changes)
    session.flush()
    return tenant


def tenant_as_dict(tenant: Tenant) -> dict:
    """The API shape of a co-op."""
    data = {field: getattr(tenant, field) for field in ("id", "slug", *TENANT_FIELDS)}
    data["sponsor"] = tenant.sponsor.slug if tenant.sponsor else None
    return data


# --- users and roles ------------------------------------------------------------------------


def users_query():
    """SELECT of every user, by name."""
    return select(User).order_by(User.name, User.id)


def get_user(session, user_id: int) -> User:
    """One user by id."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("No user %(id)s.", id=user_id))
    return user


def _role_assignments(session, roles: list[dict]) -> list[RoleAssignment]:
    assignments, seen = [], set()
    for index, role in enumerate(roles):
        name, slug, project = role["role"], role.get("tenant"), role.get("project")
        where = f"roles[{index}]"
        if name in CONSORTIUM_ROLES:
            if slug or project:
                raise field_error(where, _("'%(role)s' is a consortium role: give no tenant", role=name))
            tenant = None
        elif name in PROJECT_ROLES:
            if slug:
                raise field_error(where, _("'%(role)s' is held on an incubation project: give a project, no tenant",
                                            role=name))
            tenant = None
        else:
            if not slug:
                raise field_error(where, _("'%(role)s' is held in a co-op: give its slug as 'tenant'", role=name))
            tenant = _tenant_by_slug(session, slug, where)
        key = (name, tenant.id if tenant else None, project)
        if key not in seen:
            seen.add(key)
            assignments.append(RoleAssignment(role=name, tenant=tenant, project_id=project))
    return assignments


def _new_invitation(user: User, valid_days: int) -> str:
    secret = secrets.token_urlsafe(32)
    user.invitation_token_hash = sha256(secret)
    user.invitation_expires_at = utcnow() + timedelta(days=valid_days)
    return secret


def create_user(session, data: dict, *, invitation_days: int = 14) -> tuple[User, str | None]:
    """Create a user with roles; without a password, returns an invitation secret to send them."""
    email = data["email"].strip().lower()
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(_("email: '%(email)s' already has an account", email=email),
                       {"email": [_("already has an account")]})
    user = User(email=email, name=data["name"], is_active=data.get("is_active", True))
    user.roles = _role_assignments(session, data.get("roles", []))
    invitation = None
    if data.get("password"):
        user.password_hash = hash_password(check_new_password(data["password"], user_inputs=(email, data["name"])))
    else:
        invitation = _new_invitation(user, invitation_days)
    session.add(user)
    session.flush()
    return user, invitation


INVITATION_KIND = "directory.invitation"


def send_invitation(session, user: User, url: str, *, days: int, language: str, tenant_id: int | None = None) -> None:
    """Queue the invitation email with its one-time link, in the invitee's language (else `language`).

    A consortium message unless `tenant_id` names the co-op it belongs to (a new co-op's first treasurer): then it
    is written, and listed and delivered, in that co-op's scope."""
    from consortium.i18n import force_locale
    from consortium.notifications.service import enqueue_email

    language = user.language or language
    with force_locale(language):
        subject = _("Your invitation to %(consortium)s", consortium=current_app.config["CONSORTIUM_NAME"])
        body = _("Hello %(name)s,\n\nyou have been given an account on the back office of %(consortium)s. "
                 "Choose your password here (the link works once, for %(days)s days):\n\n%(url)s\n",
                 name=user.name, consortium=current_app.config["CONSORTIUM_NAME"], days=days, url=url)
    enqueue_email(session, to=user.email, subject=subject, body=body, kind=INVITATION_KIND, tenant_id=tenant_id,
                  dedupe_key=f"invitation-{user.id}-{url[-12:]}", language=language)


def update_user(session, user: User, changes: dict) -> User:
    """Change a user's name, activity, password or (replacing them all) roles.

    A new password, a deactivation or a removed role ends the user's sessions and API tokens.
    """
    ends_sessions = False
    if "name" in changes:
        user.name = changes["name"]
    if "is_active" in changes:
        ends_sessions |= user.is_active and not changes["is_active"]
        user.is_active = changes["is_active"]
    if changes.get("password"):
        user.password_hash = hash_password(check_new_password(changes["password"], user_inputs=(user.email,
                                                                                                 user.name)))
        ends_sessions = True
    if "roles" in changes:
        wanted = _role_assignments(session, changes["roles"])
        current = {(r.role, r.tenant_id, r.project_id): r for r in user.roles}
        keep = {(r.role, r.tenant.id if r.tenant else None, r.project_id) for r in wanted}
        user.roles = [r for key, r in current.items() if key in keep] + [
            r for r in wanted if (r.role, r.tenant.id if r.tenant else None, r.project_id) not in current
        ]
        ends_sessions |= bool(current.keys() - keep)
    session.flush()
    if ends_sessions:
        end_sessions(session, user)
    return user



def find_invitation(session, secret: str) -> User:
    """The user an unexpired invitation secret belongs to."""
    user = session.scalar(select(User).where(User.invitation_token_hash == sha256(secret)))
    if user is None or as_utc(user.invitation_expires_at) < utcnow():
        raise NotFound(_("This invitation link is unknown or has expired; ask the consortium for a new one."))
    return user


def accept_invitation(session, secret: str, password: str) -> User:
    """Set the invited user's password; the link then stops working."""
    user = find_invitation(session, secret)
    user.password_hash = hash_password(check_new_password(password, user_inputs=(user.email, user.name)))
    user.invitation_token_hash = None
    user.invitation_expires_at = None
    session.flush()
    return user


def revoke_token(session, token) -> None:
    """Revoke one API token now."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()

