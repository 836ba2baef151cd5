"""Members register pages: the register with its summary and compliance check, add, edit, remove."""

from collections import Counter

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from consortium import lists
from consortium.auth import tenant_role_required
from consortium.clock import local_today
from consortium.extensions import db
from consortium.forms import load_form, run_service
from consortium.i18n import _
from tenants.members import schemas, service
from tenants.members.models import CATEGORY_LABELS, Member

blp = Blueprint("members", __name__, url_prefix="/t/<slug>/members", template_folder="templates")
READERS = ("treasurer", "payroll_clerk", "viewer")


@blp.route("/")
@tenant_role_required(*READERS)
def register():
    """The register: current members (or everyone, with `all=1`), counts and voting shares, compliance."""
    show_all = request.args.get("all") == "1"
    today = local_today()
    members = _member_list().apply(db.session, service.members_query(current_on=None if show_all else today))
    overview = service.register_overview(db.session, g.tenant, today)
    return render_template("members/register.html", members=members, overview=overview, show_all=show_all,
                           can_edit="treasurer" in current_user.tenant_roles(g.tenant.id),
                           category_labels=CATEGORY_LABELS)


def _member_list() -> lists.Listing:
    return lists.Listing(
        search=[Member.name, Member.email, Member.tax_code],
        sorts={"name": Member.name, "category": Member.category, "joined": Member.joined_on, "left": Member.left_on,
               "subscribed": Member.shares_subscribed, "paid": Member.shares_paid, "votes": Member.voting_rights},
        default_sort="name", descending=("joined", "left", "subscribed", "paid", "votes"),
        filters={"category": {code: (label, Member.category == code) for code, label in CATEGORY_LABELS.items()},
                 "disadvantaged": {"1": (_("disadvantaged only"), Member.disadvantaged.is_(True))}},
        date=Member.joined_on)


def compliance_summary(tenant) -> dict:
    """The register's compliance check in brief (counts per outcome, the failed rules), for the co-op's home."""
    compliance = service.register_overview(db.session, tenant, local_today()).compliance
    return {"compliance_counts": Counter(result.status for result in compliance),
            "failed_rules": [result for result in compliance if result.status == "fail"]}


def _category_options():
    return list(CATEGORY_LABELS.items())


@blp.route("/new", methods=["GET", "POST"])
@tenant_role_required("treasurer")
def new_member():
    """Enter a member."""
    errors = {}
    if request.method == "POST":
        data, errors = load_form(schemas.MemberSchema(), request.form, booleans=("disadvantaged",))
        if data is not None:
            member, errors = run_service(lambda: service.add_member(db.session, data))
            if member is not None:
                flash(_("%(name)s entered in the register.", name=member.name))
                return redirect(url_for("members.register"))
    return render_template("members/member_form.html", values=request.form, errors=errors, member=None,
                           categories=_category_options())


@blp.route("/<int:member_id>/edit", methods=["GET", "POST"])
@tenant_role_required("treasurer")
def edit_member(member_id):
    """Change a member's entry."""
    member = service.get_member(db.session, member_id)
    errors, values = {}, schemas.MemberSchema().dump(member)
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schemas.MemberUpdateSchema(), request.form, booleans=("disadvantaged",))
        if data is not None:
            for nullable in service.NULLABLE:
                data.setdefault(nullable, None)
            updated, errors = run_service(lambda: service.update_member(db.session, member, data))
            if updated is not None:
                flash(_("%(name)s updated.", name=member.name))
                return redirect(url_for("members.register"))
    return render_template("members/member_form.html", values=values, errors=errors, member=member,
                           categories=_category_options())


@blp.route("/<int:member_id>/delete", methods=["POST"])
@tenant_role_required("treasurer")
def delete_member(member_id):
    """Remove an entry made by mistake."""
    member = service.get_member(db.session, member_id)
    service.remove_member(db.session, member)
    flash(_("%(name)s removed from the register.", name=member.name))
    return redirect(url_for("members.register"))


def coop_section(tenant) -> dict:
    """The staff page of a co-op: its members by category today (counts the consortium may read)."""
    counts = service.current_members_by_category(db.session, tenant.id, local_today())
    return {"members": [(CATEGORY_LABELS.get(code, code), count) for code, count in sorted(counts.items())],
            "total": sum(counts.values())}
