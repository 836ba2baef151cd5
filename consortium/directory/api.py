"""API: bearer tokens, member co-ops, users. Thin: validate with schemas, call the service."""

from flask import current_app, g, url_for
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint, abort

from consortium.api import SQLPage
from consortium.audit import audit_entries_query
from consortium.auth import (
    authenticate,
    consortium_role_required,
    issue_api_token,
    login_rate_limit,
    require_login,
    tenant_role_required,
)
from consortium.directory import schemas, service
from consortium.extensions import db, limiter
from consortium.i18n import _
from consortium.models import ApiToken

auth_blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Bearer tokens")
tenants_blp = Blueprint("tenants", __name__, url_prefix="/api/v1/tenants", description="Member co-ops")
users_blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Users and their roles")
audit_blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="Audit log")


@auth_blp.route("/token")
class TokenResource(MethodView):
    @limiter.limit(login_rate_limit)
    @auth_blp.arguments(schemas.TokenRequestSchema)
    @auth_blp.response(201, schemas.TokenSchema)
    def post(self, credentials):
        """Exchange email and password for a bearer token."""
        user = authenticate(db.session, credentials["email"], credentials["password"])
        if user is None:
            abort(401, message=_("Wrong email or password."))
        secret, token = issue_api_token(db.session, user)
        return {"token": secret, "expires_at": token.expires_at}

    @auth_blp.response(204)
    def delete(self):
        """Revoke the token this request carries."""
        refused = require_login()
        if refused is not None:
            return refused
        service.revoke_token(db.session, db.session.get(ApiToken, current_user.token_id))
        return None


class TenantOut(schemas.TenantSchema):
    """A co-op as the API shows it."""

    sponsor = schemas.fields.Function(lambda tenant: tenant.sponsor.slug if tenant.sponsor else None)


@tenants_blp.route("")
class TenantsResource(MethodView):
    @tenants_blp.response(200, TenantOut(many=True))
    @tenants_blp.paginate(SQLPage)
    def get(self):
        """Co-ops you may see (all of them for consortium roles)."""
        refused = require_login()
        if refused is not None:
            return refused
        return service.visible_tenants_query(current_user)

    @consortium_role_required("consortium_admin")
    @tenants_blp.arguments(schemas.TenantSchema)
    @tenants_blp.response(201, TenantOut)
    def post(self, data):
        """Register a member co-op (consortium admin)."""
        return service.create_tenant(db.session, data)


@tenants_blp.route("/<tenant_slug>")
class TenantResource(MethodView):
    @tenants_blp.response(200, TenantOut)
    def get(self, tenant_slug):
        """One co-op (404 unless you may see it)."""
        refused = require_login()
        if refused is not None:
            return refused
        return service.get_tenant_for(db.session, current_user, tenant_slug)

    @consortium_role_required("consortium_admin")
    @tenants_blp.arguments(schemas.TenantUpdateSchema)
    @tenants_blp.response(200, TenantOut)
    def patch(self, changes, tenant_slug):
        """Change a co-op's record (consortium admin)."""
        tenant = service.get_tenant_for(db.session, current_user, tenant_slug)
        return service.update_tenant(db.session, tenant, changes)


class UserOut(schemas.UserSchema):
    """A user as the API shows it, roles named by co-op slug."""

    roles = schemas.fields.Function(
        lambda user: [
            {"role": r.role, **({"tenant": r.tenant.slug} if r.tenant else {}),
             **({"project": r.project_id} if r.project_id else {})}
            for r in user.roles
        ]
    )


def _with_invitation(user, secret):
    if secret:
        user.invitation_url = url_for("directory.accept_invitation", secret=secret, _external=True)
    return user


@users_blp.route("")
class UsersResource(MethodView):
    @consortium_role_required("consortium_admin")
    @users_blp.response(200, UserOut(many=True))
    @users_blp.paginate(SQLPage)
    def get(self):
        """Every user and their roles (consortium admin)."""
        return service.users_query()

    @consortium_role_required("consortium_admin")
    @users_blp.arguments(schemas.UserSchema)
    @users_blp.response(201, UserOut)
    def post(self, data):
        """Create a user; omit `password` to get an `invitation_url` to send them."""
        user, secret = service.create_user(
            db.session, data, invitation_days=current_app.config["INVITATION_DAYS"]
        )
        return _with_invitation(user, secret)


@users_blp.route("/<int:user_id>")
class UserResource(MethodView):
    @consortium_role_required("consortium_admin")
    @users_blp.response(200, UserOut)
    def get(self, user_id):
        """One user (consortium admin)."""
        return service.get_user(db.session, user_id)

    @consortium_role_required("consortium_admin")
    @users_blp.arguments(schemas.UserUpdateSchema)
    @users_blp.response(200, UserOut)
    def patch(self, changes, user_id):
        """Change a user's name, activity, password or roles (consortium admin)."""
        return service.update_user(db.session, service.get_user(db.session, user_id), changes)


@audit_blp.route("/t/<slug>/audit")
class TenantAuditResource(MethodView):
    @tenant_role_required("treasurer")
    @audit_blp.response(200, schemas.AuditEntrySchema(many=True))
    @audit_blp.paginate(SQLPage)
    def get(self):
        """Who changed what in this co-op's records, newest first (treasurer)."""
        return audit_entries_query(g.tenant.id)


@audit_blp.route("/consortium/audit")
class ConsortiumAuditResource(MethodView):
    @consortium_role_required("consortium_admin")
    @audit_blp.response(200, schemas.AuditEntrySchema(many=True))
    @audit_blp.paginate(SQLPage)
    def get(self):
        """Changes to the consortium's own records (co-ops, users, roles), newest first (consortium admin)."""
        return audit_entries_query(None)
