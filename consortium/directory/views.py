"""Pages for consortium admins (co-ops, users and roles) and for invited users."""

from babel.numbers import get_currency_name
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from consortium import lists
from consortium.auth import consortium_role_required, start_session
from consortium.directory import schemas, service
from consortium.extensions import db
from consortium.forms import load_form, run_service
from consortium.i18n import _, _l, format_locale
from consortium.models import ALL_ROLES, CONSORTIUM_ROLES, TENANT_ROLES, RoleAssignment, Tenant, User
from consortium.views import ROLE_LABELS, add_nav_link
from plugins.jurisdictions.base import available_jurisdictions, get_jurisdiction

blp = Blueprint("directory", __name__)
add_nav_link(_l("Member co-ops"), "directory.tenants", "consortium", ("consortium_admin", "consortium_staff"))
add_nav_link(_l("Users"), "directory.users", "consortium", ("consortium_admin",), top_bar=False)
add_nav_link(_l("Consortium audit"), "shell.consortium_audit", "consortium", ("consortium_admin",), top_bar=False)
add_nav_link(_l("Audit log"), "shell.tenant_audit", "tenant", ("treasurer",), top_bar=False)
add_nav_link(_l("Scheduled jobs"), "shell.jobs", "consortium", ("consortium_admin",), top_bar=False)


# The form fields by their label, for the error summary (`form_errors(errors, labels)`).
TENANT_LABELS = {
    "slug": _l("Slug"), "name": _l("Name"), "country": _l("Country"), "legal_form": _l("Legal form"),
    "currency": _l("Currency"), "registration_number": _l("Registration number"), "vat_number": _l("VAT number"),
    "founding_date": _l("Founding date"), "sponsor": _l("Sponsor co-op"), "address": _l("Address"),
    "postcode": _l("Postcode"), "city": _l("City"), "status": _l("Status"),
}
USER_LABELS = {"email": _l("Email"), "name": _l("Name"), "password": _l("Password"), "is_active": _l("May log in"),
               "roles": _l("Roles"), "role": _l("Roles"), "password_again": _l("Password again")}
TENANT_STATUS_LABELS = {"active": _l("active"), "incubating": _l("incubating"), "left": _l("left")}
COUNTRY_LABELS = {"uk": _l("United Kingdom"), "it": _l("Italy")}


def _form_choices():
    legal_forms = [
        (form.code, f"{COUNTRY_LABELS.get(code, get_jurisdiction(code).name)}: {form.label}")
        for code in available_jurisdictions()
        for form in get_jurisdiction(code).legal_forms()
    ]
    tenants = [("", "—")] + [(t.slug, t.name) for t in db.session.scalars(select(Tenant).order_by(Tenant.name))]
    return {"legal_forms": legal_forms, "sponsors": tenants, "countries": list(COUNTRY_LABELS.items()),
            "role_labels": ROLE_LABELS, "labels": {**TENANT_LABELS, **USER_LABELS},
            "status_labels": TENANT_STATUS_LABELS}


@blp.route("/consortium/tenants")
@consortium_role_required("consortium_admin", "consortium_staff")
def tenants():
    """Every member co-op: searched by name, slug, registration or VAT number, city; sorted; by status, country."""
    listing = lists.Listing(
        search=[Tenant.name, Tenant.slug, Tenant.registration_number, Tenant.vat_number, Tenant.city],
        sorts={"name": Tenant.name, "country": Tenant.country, "founded": Tenant.founding_date,
               "status": Tenant.status, "form": Tenant.legal_form},
        default_sort="name", descending=("founded",),
        filters={"status": {code: (label, Tenant.status == code) for code, label in TENANT_STATUS_LABELS.items()},
                 "country": {code: (label, Tenant.country == code) for code, label in COUNTRY_LABELS.items()}})
    rows = listing.apply(db.session, select(Tenant).order_by(Tenant.name, Tenant.id))
    return render_template("directory/tenants.html", tenants=rows, status_labels=TENANT_STATUS_LABELS,
                           country_labels=COUNTRY_LABELS)


@blp.route("/consortium/tenants/new", methods=["GET", "POST"])
@consortium_role_required("consortium_admin")
def new_tenant():
    """Register a member co-op."""
    errors, values = {}, request.form
    if request.method == "POST":
        data, errors = load_form(schemas.TenantSchema(), request.form)
        if data is not None:
            tenant, errors = run_service(lambda: service.create_tenant(db.session, data))
            if tenant is not None:
                flash(_("%(name)s is now a member co-op.", name=tenant.name))
                return redirect(url_for("directory.tenants"))
    return render_template("directory/tenant_form.html", values=values, errors=errors, creating=True,
                           **_form_choices())


@blp.route("/consortium/tenants/<tenant_slug>")
@consortium_role_required("consortium_admin", "consortium_staff")
def coop(tenant_slug):
    """One co-op as the consortium sees it: its registration, and what it reports to the consortium (each
    feature's section: members by category, accounts, contributions, loans and guarantees, training, tenders)."""
    from flask_login import current_user

    from consortium.views import COOP_SECTIONS

    tenant = service.get_tenant_for(db.session, current_user, tenant_slug)
    spin_outs = db.session.scalars(select(Tenant).where(Tenant.sponsor_id == tenant.id).order_by(Tenant.name)).all()
    sections = [{"template": section.template, **section.context(tenant)}
                for section in sorted(COOP_SECTIONS, key=lambda section: section.order)]
    return render_template("directory/coop.html", tenant=tenant, spin_outs=spin_outs, sections=sections,
                           status_labels=TENANT_STATUS_LABELS, country_labels=COUNTRY_LABELS,
                           currency_name=get_currency_name(tenant.currency, locale=format_locale()))


@blp.route("/consortium/tenants/<tenant_slug>/edit", methods=["GET", "POST"])
@consortium_role_required("consortium_admin")
def edit_tenant(tenant_slug):
    """Change a member co-op's record."""
    from flask_login import current_user

    tenant = service.get_tenant_for(db.session, current_user, tenant_slug)
    errors, values = {}, service.tenant_as_dict(tenant)
    if request.method == "POST":
        values = request.form
        data, errors = load_form(schemas.TenantUpdateSchema(), request.form)
        if data is not None:
            data.setdefault("sponsor", None)
            updated, errors = run_service(lambda: service.update_tenant(db.session, tenant, data))
            if updated is not None:
                flash(_("%(name)s updated.", name=tenant.name))
                return redirect(url_for("directory.tenants"))
    return render_template("directory/tenant_form.html", values=values, errors=errors, creating=False,
                           tenant=tenant, **_form_choices())


@blp.route("/consortium/users")
@consortium_role_required("consortium_admin")
def users():
    """Every user and their roles: searched by name or email, sorted, filtered by role and by active or not."""
    listing = lists.Listing(
        search=[User.name, User.email],
        sorts={"name": User.name, "email": User.email, "status": User.is_active},
        default_sort="name",
        filters={"role": {code: (ROLE_LABELS.get(code, code), User.roles.any(RoleAssignment.role == code))
                          for code in ALL_ROLES},
                 "active": {"1": (_("active"), User.is_active.is_(True)),
                            "0": (_("disabled"), User.is_active.is_(False))}})
    return render_template("directory/users.html", users=listing.apply(db.session, service.users_query()))


def _roles_from_form(form) -> list[dict]:
    roles = []
    for role, slug in zip(form.getlist("role"), form.getlist("role_tenant"), strict=False):
        if role:
            roles.append({"role": role, "tenant": slug or None})
    return roles


def _role_errors(roles: list[dict]) -> dict:
    """What the form's role rows get wrong, in the page's words (the service's errors name the API's keys)."""
    problems = []
    for number, role in enumerate(roles, start=1):
        label = ROLE_LABELS.get(role["role"], role["role"])
        if role["role"] in TENANT_ROLES and not role.get("tenant"):
            problems.append(_("Role %(number)s: a %(role)s works in a co-op: choose which", number=number, role=label))
        elif role["role"] in CONSORTIUM_ROLES and role.get("tenant"):
            problems.append(_("Role %(number)s: %(role)s is a consortium role: choose “(the whole consortium)”",
                              number=number, role=label))
    return {"roles": problems} if problems else {}


def _role_rows(roles: list[dict]) -> list[dict]:
    """The role rows the form shows again: what was chosen, as the `directory/_roles.html` selects take it."""
    return [{"role": r["role"], "slug": r.get("tenant") or ""} for r in roles]


@blp.route("/consortium/users/new", methods=["GET", "POST"])
@consortium_role_required("consortium_admin")
def new_user():
    """Invite a user (or set their first password) and give them roles."""
    errors, invitation_url, chosen = {}, None, []
    if request.method == "POST":
        form = {k: v for k, v in request.form.items() if k not in ("role", "role_tenant")}
        chosen = _roles_from_form(request.form)
        data, errors = load_form(schemas.UserSchema(), form, booleans=())
        role_errors = _role_errors(chosen) if chosen else {"roles": [_("choose at least one role")]}
        if role_errors:
            # A user made here always gets a role: one without any could log in to an empty page.
            errors, data = {**(errors or {}), **role_errors}, None
        if data is not None:
            data["roles"] = chosen
            result, errors = run_service(lambda: service.create_user(
                db.session, data, invitation_days=current_app.config["INVITATION_DAYS"]))
            if result is not None:
                user, secret = result
                flash(_("%(email)s can now log in.", email=user.email) if secret is None else
                      _("%(email)s was created: an invitation email with the link below is on its way.",
                        email=user.email))
                if secret is None:
                    return redirect(url_for("directory.users"))
                invitation_url = url_for("directory.accept_invitation", secret=secret, _external=True)
                service.send_invitation(db.session, user, invitation_url, days=current_app.config["INVITATION_DAYS"],
                                        language=current_app.config["CONSORTIUM_LANGUAGE"])
                chosen = []
    values = request.form if invitation_url is None else {}
    return render_template("directory/user_form.html", values=values, errors=errors, roles=ALL_ROLES,
                           invitation_url=invitation_url, rows=_role_rows(chosen), **_form_choices())


@blp.route("/consortium/users/<int:user_id>/edit", methods=["GET", "POST"])
@consortium_role_required("consortium_admin")
def edit_user(user_id):
    """Change a user's name, whether they may log in, and their roles."""
    user = service.get_user(db.session, user_id)
    errors = {}
    rows = [{"role": r.role, "slug": r.tenant.slug if r.tenant else ""} for r in user.roles if r.role != "mentor"]
    if request.method == "POST":
        form = {k: v for k, v in request.form.items() if k not in ("role", "role_tenant")}
        chosen = _roles_from_form(request.form)
        rows = _role_rows(chosen)
        data, errors = load_form(schemas.UserUpdateSchema(), form, booleans=("is_active",))
        if role_errors := _role_errors(chosen):
            errors, data = {**(errors or {}), **role_errors}, None
        if data is not None:
            # Mentoring is granted on incubation projects, not on this page: keep it as it is.
            data["roles"] = chosen + [
                {"role": r.role, "project": r.project_id} for r in user.roles if r.role == "mentor"
            ]
            updated, errors = run_service(lambda: service.update_user(db.session, user, data))
            if updated is not None:
                flash(_("%(email)s updated.", email=user.email))
                return redirect(url_for("directory.users"))
    return render_template("directory/user_edit.html", user=user, errors=errors, roles=ALL_ROLES, rows=rows,
                           **_form_choices())


@blp.route("/invitation/<secret>", methods=["GET", "POST"])
def accept_invitation(secret):
    """An invited user chooses their password."""
    user = service.find_invitation(db.session, secret)
    errors = {}
    if request.method == "POST":
        data, errors = load_form(schemas.InvitationAcceptSchema(), request.form)
        if data is not None:
            accepted, errors = run_service(lambda: service.accept_invitation(db.session, secret, data["password"]))
            if accepted is not None:
                start_session(accepted)
                flash(_("Welcome! Your password is set."))
                return redirect(url_for("shell.home"))
    return render_template("directory/invitation.html", user=user, errors=errors)
