"""The web shell: login, logout, home per role, co-op switcher, audit pages, navigation registry."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import get_decimal_symbol
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from consortium import exports, i18n, lists, tenancy
from consortium.audit import audit_entries_query, audit_lines, audit_record_label, audit_words
from consortium.auth import (
    authenticate,
    consortium_role_required,
    end_sessions,
    login_rate_limit,
    start_session,
    tenant_role_required,
)
from consortium.db import as_utc
from consortium.extensions import db, limiter
from consortium.i18n import _, _l
from consortium.models import ApiToken, RoleAssignment, Tenant, User
from consortium.money import money as format_money
from consortium.security import safe_next
from plugins.jurisdictions.base import JurisdictionError, available_jurisdictions, get_jurisdiction

blp = Blueprint("shell", __name__)
AUDIT_PAGE_SIZE = 50

# Every role by its name in the reader's language (the codes are in `consortium.models`).
ROLE_LABELS = {
    "consortium_admin": _l("consortium administrator"),
    "consortium_staff": _l("consortium staff"),
    "treasurer": _l("treasurer"),
    "payroll_clerk": _l("payroll clerk"),
    "viewer": _l("viewer"),
    "mentor": _l("mentor"),
}


# The audit log's actions in words (`consortium.audit` records create, update and delete).
AUDIT_ACTION_LABELS = {"create": _l("created"), "update": _l("changed"), "delete": _l("deleted")}


class _LegalFormLabels(Mapping):
    """Every legal form's label by its code, from each jurisdiction's rule pack, as the co-op page writes it
    (`legal_form_label`): the codes are distinct across jurisdictions (`social_coop_a`, `coop_society`)."""

    def _labels(self) -> dict:
        return {form.code: form.label for country in available_jurisdictions()
                for form in get_jurisdiction(country).legal_forms()}

    def __getitem__(self, code):
        return self._labels()[code]

    def __iter__(self):
        return iter(self._labels())

    def __len__(self):
        return len(self._labels())


LEGAL_FORM_LABELS = _LegalFormLabels()
TENANT_STATUS_WORDS = {"active": _l("active"), "incubating": _l("incubating"), "left": _l("left")}
audit_words(Tenant, _l("co-op"), name=lambda tenant: tenant.name,
            values={"legal_form": LEGAL_FORM_LABELS, "status": TENANT_STATUS_WORDS}, fields={
    "name": _l("Name"), "slug": _l("Address name"), "country": _l("Country"), "legal_form": _l("Legal form"),
    "registration_number": _l("Registration number"), "vat_number": _l("VAT number"), "address": _l("Address"),
    "city": _l("City"), "postcode": _l("Postcode"), "currency": _l("Currency"), "founding_date": _l("Founded on"),
    "status": _l("Status"), "created_at": _l("Created")})
audit_words(User, _l("user"), name=lambda user: user.name, fields={
    "name": _l("Name"), "email": _l("Email"), "is_active": _l("Active"), "language": _l("Language"),
    "session_generation": _l("Sign-outs everywhere"), "created_at": _l("Created"),
    "invitation_expires_at": _l("Invitation valid until")})
audit_words(ApiToken, _l("API token"), fields={"expires_at": _l("Expires"), "revoked_at": _l("Revoked")})
audit_words(RoleAssignment, _l("role"), values={"role": ROLE_LABELS}, fields={"role": _l("Role")})


def audit_action_label(action: str) -> str:
    """An audit entry's action in the reader's language."""
    return str(AUDIT_ACTION_LABELS.get(action, action))


# Error pages in the reader's language: the title of each status, and a text for werkzeug's default descriptions.
ERROR_TITLES = {400: _l("Bad request"), 401: _l("Please log in"), 403: _l("Not allowed"), 404: _l("Not found"),
                405: _l("Not possible here"), 409: _l("Conflict"), 413: _l("Too large"), 422: _l("Not possible"),
                429: _l("Too many attempts"), 500: _l("Something went wrong")}
ERROR_TEXTS = {400: _l("The request could not be understood."), 401: _l("Log in to see this page."),
               403: _l("Your roles do not allow this page."),
               404: _l("There is no such page, or it is not yours to see."),
               405: _l("This page cannot be used this way."), 413: _l("The file or form sent is too large."),
               429: _l("Too many attempts: wait a minute and try again."),
               500: _l("The error was recorded; please try again later.")}


def error_texts(error) -> tuple[str, str]:
    """An error page's title and text; a description the app wrote itself is kept as it is."""
    code = getattr(error, "code", None) or getattr(error, "status", None)
    title = str(ERROR_TITLES.get(code, _("Not possible")))
    description = getattr(error, "description", None)
    if description is None or description == getattr(type(error), "description", None):
        description = str(ERROR_TEXTS.get(code, ""))
    return title, description


def role_label(role: str) -> str:
    """A role's name in the reader's language (the code itself for a role this list does not know)."""
    return str(ROLE_LABELS.get(role, role))


@dataclass(frozen=True)
class NavLink:
    """A page link for holders of `roles`: `scope` is 'consortium', 'tenant' or 'mentor'.

    Links with `top_bar=False` (administration) appear only on the home pages, keeping the bar short.
    """

    label: str
    endpoint: str
    scope: str
    roles: tuple[str, ...]
    top_bar: bool = True
    # 'tenant' links: shown only for co-ops where this says yes (e.g. payroll where the jurisdiction has rules)
    offered_to: Callable[[Tenant], bool] | None = None


NAV_LINKS: list[NavLink] = []


def add_nav_link(label: str, endpoint: str, scope: str, roles: tuple[str, ...], *, top_bar: bool = True,
                 offered_to: Callable[[Tenant], bool] | None = None) -> None:
    """Features call this from `register` to link their pages from the top bar and home pages.

    `offered_to(tenant)`, for a co-op's link, hides it from co-ops the feature does not serve.
    """
    if not any(link.endpoint == endpoint for link in NAV_LINKS):
        NAV_LINKS.append(NavLink(label, endpoint, scope, roles, top_bar, offered_to))


@dataclass(frozen=True)
class TenantHomePanel:
    """A short summary a feature shows on each co-op's home page.

    `template` is included in the home page, where it reads what `context(tenant)` returned as `panel.<key>`.
    """

    template: str
    context: Callable[[Tenant], dict]
    roles: tuple[str, ...]
    offered_to: Callable[[Tenant], bool] | None = None  # as NavLink.offered_to


TENANT_HOME_PANELS: list[TenantHomePanel] = []


def add_tenant_home_panel(template: str, context: Callable[[Tenant], dict], roles: tuple[str, ...], *,
                          offered_to: Callable[[Tenant], bool] | None = None) -> None:
    """Features call this from `register` to summarise their records on a co-op's home (for holders of `roles`)."""
    if not any(panel.template == template for panel in TENANT_HOME_PANELS):
        TENANT_HOME_PANELS.append(TenantHomePanel(template, context, roles, offered_to))


@dataclass(frozen=True)
class HomeTasks:
    """What a feature asks a role to do next, shown on the homes: `tasks(tenant)` returns dicts with `label`,
    `count` and `url` (tenant scope: the co-op's; consortium and mentor scope: `tenant` is None). Features read
    the counts through their own services."""

    scope: str
    roles: tuple[str, ...]
    tasks: Callable[[Tenant | None], list[dict]]


HOME_TASKS: list[HomeTasks] = []


def add_home_tasks(scope: str, roles: tuple[str, ...], tasks: Callable[[Tenant | None], list[dict]]) -> None:
    """Features call this from `register`: `scope` is 'tenant', 'consortium' or 'mentor' as for nav links."""
    if not any(entry.tasks is tasks for entry in HOME_TASKS):
        HOME_TASKS.append(HomeTasks(scope, roles, tasks))


def tenant_tasks(tenant: Tenant) -> list[dict]:
    """The to-do list of the current user in one co-op (read in that co-op's scope), the waiting ones first."""
    roles = current_user.tenant_roles(tenant.id)
    found = []
    with tenancy.tenant_scope(db.session, tenant.id):
        for entry in HOME_TASKS:
            if entry.scope == "tenant" and roles & set(entry.roles):
                found.extend(entry.tasks(tenant))
    return sorted(found, key=lambda task: task["count"] == 0)


def _consortium_tasks() -> list[dict]:
    found = []
    if current_user.has_consortium_role("consortium_admin", "consortium_staff"):
        with tenancy.consortium_scope(db.session):
            for entry in HOME_TASKS:
                if entry.scope == "consortium" and current_user.has_consortium_role(*entry.roles):
                    found.extend(entry.tasks(None))
    if any(r.role == "mentor" for r in current_user.roles):
        for entry in HOME_TASKS:
            if entry.scope == "mentor":
                found.extend(entry.tasks(None))
    return sorted(found, key=lambda task: task["count"] == 0)


def _failed_job_tasks(_tenant=None) -> list[dict]:
    """The consortium admin's to-do: scheduled jobs whose last run failed."""
    from consortium import scheduler

    overview = scheduler.job_overview(db.session, scheduler.consortium_timezone(current_app))
    failed = sum(1 for job in overview if job.last_run is not None and job.last_run.status in ("failed", "interrupted"))
    return [{"label": _("Scheduled jobs whose last run failed"), "count": failed, "url": url_for("shell.jobs")}]


add_home_tasks("consortium", ("consortium_admin",), _failed_job_tasks)


@dataclass(frozen=True)
class CoopSection:
    """One part of the staff page of a co-op: `template` reads what `context(tenant)` returned as `section.<key>`.

    `context` runs in the consortium scope and must read only what the co-op reports to the consortium
    (tables declaring `__consortium_read__`, docs/tenancy.md), through its feature's services.
    """

    template: str
    context: Callable[[Tenant], dict]
    order: int


COOP_SECTIONS: list[CoopSection] = []


def add_coop_section(template: str, context: Callable[[Tenant], dict], order: int = 50) -> None:
    """Features call this from `register` to show their part of one co-op on the staff page of it."""
    if not any(section.template == template for section in COOP_SECTIONS):
        COOP_SECTIONS.append(CoopSection(template, context, order))


def visible_nav_links() -> list[dict]:
    """The top-bar links the current user may follow on this page."""
    links = []
    tenant = g.get("tenant")
    for link in NAV_LINKS:
        entry = {"label": link.label, "scope": link.scope, "top_bar": link.top_bar}
        if link.scope == "consortium" and current_user.has_consortium_role(*link.roles):
            links.append({**entry, "url": url_for(link.endpoint)})
        elif link.scope == "tenant" and tenant is not None and current_user.tenant_roles(tenant.id) & set(link.roles) \
                and (link.offered_to is None or link.offered_to(tenant)):
            links.append({**entry, "url": url_for(link.endpoint, slug=tenant.slug)})
        elif link.scope == "mentor" and any(r.role in link.roles for r in current_user.roles):
            links.append({**entry, "url": url_for(link.endpoint)})
    return links


def user_tenants() -> list[Tenant]:
    """The co-ops the current user holds a role in, by name."""
    if not current_user.is_authenticated or not current_user.tenant_ids:
        return []
    return list(db.session.scalars(select(Tenant).where(Tenant.id.in_(current_user.tenant_ids)).order_by(Tenant.name)))


def legal_form_label(tenant: Tenant) -> str:
    """The readable name of a co-op's legal form in its jurisdiction."""
    try:
        return get_jurisdiction(tenant.country).legal_form(tenant.legal_form).label
    except JurisdictionError:
        return tenant.legal_form


@blp.app_context_processor
def _shell_helpers():
    return {"nav_links": visible_nav_links, "user_tenants": user_tenants, "legal_form_label": legal_form_label,
            "role_label": role_label, "audit_action_label": audit_action_label,
            "error_texts": error_texts}


# A global, not a context variable, so imported macros (reporting's table block) see it too.
blp.add_app_template_global(exports.convention_note, "csv_note")


@blp.app_template_filter("money")
def money_filter(amount, currency: str | None = None) -> str:
    """An amount with its currency in the reader's language (`{{ x|money }}`: the co-op's currency)."""
    if amount is None:
        return ""
    tenant = g.get("tenant")
    currency = currency or (tenant.currency if tenant else "EUR")
    return format_money(Decimal(amount), currency, i18n.format_locale())


_PLAIN_DECIMAL = re.compile(r"^-?\d+\.\d+$")


@blp.app_template_filter("decimal_input")
def decimal_input_filter(value) -> str:
    """A stored amount in a decimal field as the reader writes it (`116.00` becomes `116,00` in Italian, never
    grouped, so consortium.forms.page_decimal reads it back); what someone typed is shown as they typed it."""
    text = "" if value is None else str(value)
    if not _PLAIN_DECIMAL.match(text):
        return text
    return text.replace(".", get_decimal_symbol(i18n.format_locale()))


@blp.app_template_filter("local_time")
def local_time_filter(moment) -> str:
    """A stored UTC timestamp shown in the consortium's time zone, the reader's way: 01/12/2026 23:14 in Italian,
    1 Dec 2026 23:14 in English (the API keeps ISO)."""
    if moment is None:
        return ""
    return i18n.format_datetime(as_utc(moment))


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(_l("Email"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


@blp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"])
def login():
    """The login form."""
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            start_session(user)
            return redirect(safe_next(request.args.get("next")) or url_for("shell.home"))
        flash(_("Wrong email or password."), "error")
    return render_template("shell/login.html", form=form)


@blp.route("/language", methods=["POST"])
def choose_language():
    """Switch the interface language: kept on the user when logged in, in the session before."""
    language = request.form.get("language")
    if language not in i18n.LANGUAGES:
        abort(400)
    session[i18n.SESSION_KEY] = language
    if current_user.is_authenticated:
        current_user.language = language
    return redirect(safe_next(request.form.get("next")) or url_for("shell.home"))


@blp.route("/logout", methods=["POST"])
def logout():
    """End the session, on the server too: a copy of the cookie taken before is refused afterwards."""
    if current_user.is_authenticated:
        end_sessions(db.session, current_user)
    logout_user()
    flash(_("You are logged out."))
    return redirect(url_for("shell.login"))


@blp.route("/")
@login_required
def home():
    """Each role's starting page: consortium dashboard, the user's co-ops, mentoring."""
    counts = {}
    if current_user.has_consortium_role("consortium_admin", "consortium_staff"):
        counts = {
            "tenants": db.session.scalar(select(func.count(Tenant.id)).where(Tenant.status == "active")),
            "users": db.session.scalar(select(func.count(User.id)).where(User.is_active.is_(True))),
        }
    tenants = user_tenants()
    roles_by_tenant = {t.id: sorted(role_label(r) for r in current_user.tenant_roles(t.id)) for t in tenants}
    is_mentor = any(r.role == "mentor" for r in current_user.roles)
    tasks_by_tenant = {t.id: tenant_tasks(t) for t in tenants}
    return render_template("shell/home.html", counts=counts, tenants=tenants, roles_by_tenant=roles_by_tenant,
                           is_mentor=is_mentor, tasks=_consortium_tasks(), tasks_by_tenant=tasks_by_tenant)


@blp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on pages that name no icon (PDFs, JSON): send them the app's icon."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@blp.route("/switch")
@login_required
def switch_tenant():
    """The co-op switcher: go to the chosen co-op's home."""
    return redirect(url_for("shell.tenant_home", slug=request.args.get("slug", "")))


@blp.route("/t/<slug>/")
@tenant_role_required("treasurer", "payroll_clerk", "viewer")
def tenant_home():
    """One co-op's home: its record, the pages its user may open and the features' summaries."""
    roles = current_user.tenant_roles(g.tenant.id)
    panels = [{"template": panel.template, **panel.context(g.tenant)}
              for panel in TENANT_HOME_PANELS
              if roles & set(panel.roles) and (panel.offered_to is None or panel.offered_to(g.tenant))]
    return render_template("shell/tenant_home.html", tenant=g.tenant, tasks=tenant_tasks(g.tenant),
                           roles=sorted(role_label(r) for r in roles), panels=panels)


def _audit_page(tenant_id: int | None, currency: str | None):
    """One page of an audit log: by who acted (`actor`), what kind of record (`object`), which record or change
    (search), and the days it happened (`from`/`to`)."""
    from consortium.models import AuditEntry

    base = audit_entries_query(tenant_id)
    actor_ids = set(db.session.scalars(base.with_only_columns(AuditEntry.actor_id).distinct().order_by(None)))
    people = list(db.session.scalars(select(User).where(User.id.in_(actor_ids - {None})).order_by(User.email)))
    object_types = sorted(set(db.session.scalars(
        base.with_only_columns(AuditEntry.object_type).distinct().order_by(None))))
    actor_filter = {str(u.id): (u.email, AuditEntry.actor_id == u.id) for u in people}
    if None in actor_ids:
        actor_filter["system"] = (_("system"), AuditEntry.actor_id.is_(None))
    listing = lists.Listing(
        search=[AuditEntry.object_type, AuditEntry.object_id],
        sorts={"at": AuditEntry.at, "object": AuditEntry.object_type, "action": AuditEntry.action},
        default_sort="at", default_desc=True, descending=("at",),
        filters={"actor": actor_filter,
                 "object": {name: (audit_record_label(name), AuditEntry.object_type == name) for name in object_types},
                 "action": {code: (label, AuditEntry.action == code) for code, label in AUDIT_ACTION_LABELS.items()}},
        date=AuditEntry.at, date_is_timestamp=True, page_size=AUDIT_PAGE_SIZE)
    entries = listing.apply(db.session, base)
    return entries, audit_lines(db.session, list(entries), {u.id: u for u in people}, currency)


@blp.route("/t/<slug>/audit")
@tenant_role_required("treasurer")
def tenant_audit():
    """The co-op's audit log (treasurer)."""
    entries, lines = _audit_page(g.tenant.id, g.tenant.currency)
    return render_template("shell/audit.html", entries=entries, lines=lines,
                           scope_name=g.tenant.name)


@blp.route("/consortium/audit")
@consortium_role_required("consortium_admin")
def consortium_audit():
    """The consortium's own audit log: co-ops, users, roles (consortium admin)."""
    entries, lines = _audit_page(None, None)
    return render_template("shell/audit.html", entries=entries, lines=lines,
                           scope_name=current_app.config["CONSORTIUM_NAME"])


@blp.route("/api/v1/docs")
def api_docs():
    """The OpenAPI description in Swagger UI (parameters, request and response schemas, examples, try it out),
    its scripts and styles served by the app itself from the `swagger-ui-bundle` package (no CDN; the CSP's
    `script-src 'self'` holds: the page starts it from static/api-docs.js, no inline script)."""
    spec = current_app.extensions["consortium_api"].spec.to_dict()
    if not spec:
        abort(404)
    return render_template("shell/api_docs.html", spec=spec)


# The Swagger UI files the docs page loads; nothing else of the package is served.
SWAGGER_UI_FILES = {"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"}


@blp.route("/api/v1/docs/assets/<name>")
def api_docs_asset(name):
    """One file of Swagger UI, from the installed package."""
    from swagger_ui_bundle import swagger_ui_path

    if name not in SWAGGER_UI_FILES:
        abort(404)
    return send_from_directory(str(swagger_ui_path), name, max_age=86400)


@blp.route("/consortium/jobs", methods=["GET", "POST"])
@consortium_role_required("consortium_admin")
def jobs():
    """Scheduled jobs: trigger, next and last run, last error; POST `job_id` runs one now (consortium admin)."""
    from consortium import scheduler
    from consortium.jobs import JOBS

    if request.method == "POST":
        job_id = request.form.get("job_id", "")
        if job_id not in JOBS:
            abort(404, _("No scheduled job is declared with the id %(job)s.", job=repr(job_id)))
        try:
            outcome = scheduler.run_job(current_app._get_current_object(), job_id)
        except scheduler.JobAlreadyRunning as running:
            flash(_("%(job)s is already running (since %(time)s): it was not started again.", job=job_id,
                    time=local_time_filter(running.since) if running.since else "?"), "error")
            return redirect(url_for("shell.jobs"))
        flash(outcome.summary(), "error" if outcome.failed else "message")
        return redirect(url_for("shell.jobs"))
    timezone = scheduler.consortium_timezone(current_app)
    return render_template("shell/jobs.html", jobs=scheduler.job_overview(db.session, timezone), timezone=timezone)



JOB_RUN_STATUS_LABELS = {"running": _l("running"), "ok": _l("ok"), "failed": _l("failed"),
                         "interrupted": _l("interrupted")}


@blp.route("/consortium/jobs/runs")
@consortium_role_required("consortium_admin")
def job_runs():
    """Every recorded run of every job, newest first: by job, status, co-op and day, in pages."""
    from consortium import scheduler
    from consortium.jobs import JOBS, JobRun

    coop = select(Tenant.name).where(Tenant.id == JobRun.tenant_id).scalar_subquery()
    listing = lists.Listing(
        search=[JobRun.job_id, coop, JobRun.error],
        sorts={"started": JobRun.started_at, "job": JobRun.job_id, "coop": coop, "status": JobRun.status},
        default_sort="started", default_desc=True, descending=("started",),
        filters={"job": {job_id: (spec.label, JobRun.job_id == job_id) for job_id, spec in sorted(JOBS.items())},
                 "status": {code: (label, JobRun.status == code) for code, label in JOB_RUN_STATUS_LABELS.items()}},
        date=JobRun.started_at, date_is_timestamp=True, page_size=50)
    runs = listing.apply(db.session, select(JobRun).order_by(JobRun.id.desc()))
    heartbeat = scheduler.scheduler_heartbeat(db.session)
    names = dict(db.session.execute(select(Tenant.id, Tenant.name).where(
        Tenant.id.in_({run.tenant_id for run in runs if run.tenant_id}))).all())
    return render_template("shell/job_runs.html", runs=runs, jobs=JOBS, names=names, labels=JOB_RUN_STATUS_LABELS,
                           status_of=lambda run: scheduler.run_status(run, heartbeat),
                           timezone=scheduler.consortium_timezone(current_app))


@blp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """The user changes their own password; their other browsers and API tokens are logged out."""
    from consortium.auth import change_own_password
    from consortium.forms import run_service

    errors = {}
    if request.method == "POST":
        if request.form.get("new_password", "") != request.form.get("new_password_again", ""):
            errors = {"new_password_again": [_("the two passwords differ")]}
            flash(_("The two new passwords differ."), "error")
        else:
            changed, errors = run_service(lambda: change_own_password(
                db.session, current_user, request.form.get("current_password", ""),
                request.form.get("new_password", "")))
            if changed is not None:
                flash(_("Your password is changed. Other browsers and API tokens must log in again."))
                return redirect(url_for("shell.home"))
    return render_template("shell/password.html", errors=errors)
