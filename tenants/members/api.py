"""Members register API: `/api/v1/t/<slug>/members` and the register summary."""

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from consortium.api import SQLPage
from consortium.auth import tenant_role_required
from consortium.clock import local_today
from consortium.extensions import db
from tenants.members import schemas, service

READERS = ("treasurer", "payroll_clerk", "viewer")

blp = Blueprint("members_api", __name__, url_prefix="/api/v1/t/<slug>/members", description="Members register")


@blp.route("")
class MembersResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.arguments(schemas.MemberQuerySchema(), location="query")
    @blp.response(200, schemas.MemberSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self, filters):
        """The co-op's members, by name; filter by `category` or `current=true`."""
        current_on = local_today() if filters.get("current") else None
        return service.member_rows_query(category=filters.get("category"), current_on=current_on)

    @tenant_role_required("treasurer")
    @blp.arguments(schemas.MemberSchema())
    @blp.response(201, schemas.MemberSchema)
    def post(self, data):
        """Enter a member in the register (treasurer)."""
        return service.add_member(db.session, data)


@blp.route("/summary")
class RegisterSummaryResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.RegisterSummarySchema)
    def get(self):
        """Members and voting shares per category today, capital, and the legal form's compliance check."""
        return service.register_overview(db.session, g.tenant, local_today())


@blp.route("/<int:member_id>")
class MemberResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.MemberSchema)
    def get(self, member_id):
        """One member."""
        return service.get_member(db.session, member_id)

    @tenant_role_required("treasurer")
    @blp.arguments(schemas.MemberUpdateSchema())
    @blp.response(200, schemas.MemberSchema)
    def patch(self, changes, member_id):
        """Change a member's entry (treasurer)."""
        return service.update_member(db.session, service.get_member(db.session, member_id), changes)

    @tenant_role_required("treasurer")
    @blp.response(204)
    def delete(self, member_id):
        """Delete an entry made by mistake (treasurer)."""
        service.remove_member(db.session, service.get_member(db.session, member_id))

