"""The baseline of the HTTP load benchmark (bench_http.py): a bare Flask + SQLAlchemy Core app.

It answers the benchmark's endpoints with the JSON the project answers, byte for byte (the benchmark checks
it), from the same database as the same app role, with the same row-level-security statements (`SET LOCAL
app.tenant_id`, `SET LOCAL ROLE <reader>` for the consortium scope), but with nothing else: one query for the
token, the user's roles and co-ops, hand-written SQL, dicts serialised by Flask's own JSON provider. It is
what the project's hot paths are measured against, so it does no less work than the data needs: the same
rows, columns, joins, counts and writes (a new member and its audit entry; an issued invoice: its number
from the locked counter, its date, totals and parties fixed, its audit entry, the co-op's webhook
subscriptions read). It supports only what the benchmark's data holds (no corrected contributions, no
e-invoice, stamp duty or webhook on an issue: it refuses them rather than answer differently).

Served by gunicorn with the project's settings: `gunicorn -c gunicorn.conf.py tests.benchmarks.http_baseline:app`
with BASELINE_DATABASE_URL (the app role's URL) and BASELINE_READER_ROLE in the environment.
"""

import hashlib
import json
import math
import os
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import Flask, abort, g, jsonify, request
from sqlalchemy import create_engine

from plugins.jurisdictions.base import get_jurisdiction  # the project's VAT rate tables, the data both apps apply

ZONE = ZoneInfo(os.environ.get("CONSORTIUM_TIMEZONE", "Europe/Rome"))
CENT, RATE = Decimal("0.01"), Decimal("0.0001")
READERS = {"treasurer", "payroll_clerk", "viewer"}
STAFF = {"consortium_staff", "consortium_admin"}

app = Flask(__name__)
engine = create_engine(os.environ.get("BASELINE_DATABASE_URL", "postgresql+psycopg:///consortium"),
                       pool_pre_ping=True, pool_recycle=1800)
READER = os.environ.get("BASELINE_READER_ROLE", "consortium_app_consortium_reader")


def _today() -> date:
    return datetime.now(ZONE).date()


def _money(value, quantum=CENT):
    return None if value is None else str(Decimal(value).quantize(quantum))


def _iso(value):
    return None if value is None else value.isoformat()


@app.before_request
def authenticate():
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        abort(401)
    g.conn = engine.connect()
    g.tx = g.conn.begin()
    rows = g.conn.exec_driver_sql(
        "SELECT u.id, r.role, r.tenant_id, t.slug FROM api_tokens k JOIN users u ON u.id = k.user_id "
        "LEFT JOIN role_assignments r ON r.user_id = u.id LEFT JOIN tenants t ON t.id = r.tenant_id "
        "WHERE k.token_hash = %s AND k.revoked_at IS NULL AND k.expires_at > now() AND u.is_active",
        (hashlib.sha256(secret.strip().encode()).hexdigest(),)).all()
    if not rows:
        abort(401)
    g.user_id = rows[0].id
    g.roles = {(r.role, r.tenant_id, r.slug) for r in rows if r.role}


@app.teardown_request
def finish(error=None):
    tx, conn = g.pop("tx", None), g.pop("conn", None)
    if tx is not None:
        if error is None and g.get("commit"):
            tx.commit()
        else:
            tx.rollback()
    if conn is not None:
        conn.close()


def tenant_scope(slug: str, roles: set[str]) -> int:
    """The co-op of the URL if the user holds one of `roles` in it (else 404), set for RLS."""
    held = {tenant_id for role, tenant_id, s in g.roles if s == slug and role in roles}
    if not held:
        abort(404)
    tenant_id = held.pop()
    g.conn.exec_driver_sql(f"SET LOCAL app.tenant_id = '{int(tenant_id)}'")
    return tenant_id


def consortium_scope() -> None:
    if not {role for role, tenant_id, _ in g.roles if tenant_id is None} & STAFF:
        abort(403)
    g.conn.exec_driver_sql(f"SET LOCAL app.tenant_id = ''; SET LOCAL ROLE \"{READER}\"")


def page_args() -> tuple[int, int]:
    return int(request.args.get("page", 1)), int(request.args.get("page_size", 10))


def paged(items: list, total: int, page: int, page_size: int):
    response = jsonify(items)
    meta = {"total": total}
    if total:
        pages = math.ceil(total / page_size)
        meta.update(total_pages=pages, first_page=1, last_page=pages, page=page)
        if page > 1:
            meta["previous_page"] = page - 1
        if page < pages:
            meta["next_page"] = page + 1
    response.headers["X-Pagination"] = json.dumps(meta)
    return response


# --- invoices ------------------------------------------------------------------------------------------

INVOICE_COLUMNS = ("i.id, i.kind, i.number, i.state, i.customer_id, c.name AS customer_name, i.credited_invoice_id, "
                   "i.issue_date, i.due_date, i.currency, i.net_total, i.vat_total, i.gross_total, i.payable_total, "
                   "i.split_payment, i.stamp_duty, i.amount_paid, i.amount_credited")


def _status(row, today: date) -> str:
    if row.state == "draft":
        return "draft"
    if row.kind == "credit_note":
        return "issued"
    if row.payable_total > 0 and row.amount_credited >= row.payable_total:
        return "credited"
    if row.amount_paid + row.amount_credited >= row.payable_total:
        return "paid"
    if row.due_date < today:
        return "overdue"
    return "part-paid" if row.amount_paid > 0 else "issued"


def _invoice_summary(row, today: date) -> dict:
    outstanding = (max(row.payable_total - row.amount_paid - row.amount_credited, Decimal("0.00"))
                   if row.state == "issued" and row.kind == "invoice" else Decimal("0.00"))
    return {"id": row.id, "kind": row.kind, "number": row.number, "status": _status(row, today),
            "customer_id": row.customer_id, "customer_name": row.customer_name,
            "credited_invoice_id": row.credited_invoice_id, "issue_date": _iso(row.issue_date),
            "due_date": _iso(row.due_date), "currency": row.currency, "net_total": _money(row.net_total),
            "vat_total": _money(row.vat_total), "gross_total": _money(row.gross_total),
            "payable_total": _money(row.payable_total), "split_payment": row.split_payment,
            "stamp_duty": _money(row.stamp_duty), "amount_paid": _money(row.amount_paid),
            "amount_credited": _money(row.amount_credited), "outstanding": str(outstanding)}


@app.get("/api/v1/t/<slug>/invoices")
def invoices(slug):
    tenant_id = tenant_scope(slug, READERS)
    page, page_size = page_args()
    rows = g.conn.exec_driver_sql(
        f"SELECT {INVOICE_COLUMNS} FROM invoices i JOIN customers c ON c.tenant_id = i.tenant_id "
        "AND c.id = i.customer_id WHERE i.tenant_id = %s ORDER BY i.issue_date DESC, i.id DESC LIMIT %s OFFSET %s",
        (tenant_id, page_size, (page - 1) * page_size)).all()
    total = g.conn.exec_driver_sql("SELECT count(*) FROM invoices WHERE tenant_id = %s", (tenant_id,)).scalar()
    today = _today()
    return paged([_invoice_summary(row, today) for row in rows], total, page, page_size)


LINE_COLUMNS = ("id, position, description, quantity, unit, unit_price, discount_amount, vat_category, vat_rate, "
                "vat_exempt, vat_natura, vat_ubl_category, vat_exemption_reason, net_amount, vat_amount")


def _lines_of(tenant_id: int, invoice_id: int) -> list:
    return g.conn.exec_driver_sql(f"SELECT {LINE_COLUMNS} FROM invoice_lines WHERE tenant_id = %s AND invoice_id = %s "
                                  "ORDER BY position", (tenant_id, invoice_id)).all()


def _invoice_detail(row, lines, today: date) -> dict:
    body = _invoice_summary(row, today)
    body.update(payment_terms_days=row.payment_terms_days, buyer_reference=row.buyer_reference,
                order_reference=row.order_reference, notes=row.notes)
    body["lines"] = [{"position": line.position, "description": line.description,
                      "quantity": _money(line.quantity, RATE), "unit": line.unit,
                      "unit_price": _money(line.unit_price, Decimal("0.000001")),
                      "discount_amount": _money(line.discount_amount), "vat_category": line.vat_category,
                      "vat_rate": _money(line.vat_rate), "vat_natura": line.vat_natura,
                      "net_amount": _money(line.net_amount), "vat_amount": _money(line.vat_amount)}
                     for line in lines]
    groups: dict[tuple, dict] = {}
    for line in lines:
        group = groups.setdefault((line.vat_ubl_category, line.vat_rate, line.vat_natura), {
            "category": line.vat_ubl_category, "rate": line.vat_rate, "natura": line.vat_natura,
            "exemption_reason": line.vat_exemption_reason, "taxable": Decimal(0), "vat": Decimal(0)})
        group["taxable"] += line.net_amount
        group["vat"] += line.vat_amount
    body["vat_breakdown"] = [{"category": group["category"], "rate": _money(group["rate"]), "natura": group["natura"],
                              "exemption_reason": group["exemption_reason"],
                              "taxable_amount": _money(group["taxable"]), "vat_amount": _money(group["vat"])}
                             for group in groups.values()]
    return body


@app.get("/api/v1/t/<slug>/invoices/<int:invoice_id>")
def invoice(slug, invoice_id):
    tenant_id = tenant_scope(slug, READERS)
    row = g.conn.exec_driver_sql(
        f"SELECT {INVOICE_COLUMNS}, i.payment_terms_days, i.buyer_reference, i.order_reference, i.notes "
        "FROM invoices i JOIN customers c ON c.tenant_id = i.tenant_id AND c.id = i.customer_id "
        "WHERE i.tenant_id = %s AND i.id = %s", (tenant_id, invoice_id)).first()
    if row is None:
        abort(404)
    return jsonify(_invoice_detail(row, _lines_of(tenant_id, invoice_id), _today()))


# What issuing fixes on the invoice, in the model's column order (the audit entry lists the changed ones).
ISSUED_COLUMNS = ("state", "series", "year", "sequence", "number", "issue_date", "due_date", "net_total", "vat_total",
                  "gross_total", "split_payment", "payable_total", "stamp_duty", "seller_snapshot", "buyer_snapshot",
                  "issued_at")
SETTINGS_DEFAULTS = {"invoice_series": "INV", "seller_email": None, "iban": None, "regime_fiscale": "RF01",
                     "peppol_id": None, "stamp_duty_mode": "customer"}
PUBLIC_BODY_TYPES = ("local_authority", "nhs_body", "public_body_it")  # as tenants/invoicing/models.py
COUNTRY_CODES = {"uk": "GB", "it": "IT"}


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value.isoformat() if isinstance(value, date) else value


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@app.post("/api/v1/t/<slug>/invoices/<int:invoice_id>/issue")
def issue_invoice(slug, invoice_id):
    """The service's issue (tenants/invoicing/service.py, issue_invoice) for what the benchmark's drafts hold: UK
    co-ops, no Peppol addresses, lines already at the day's rates; anything else is refused, not answered."""
    tenant_id = tenant_scope(slug, {"treasurer"})
    # the invoice with its lines in one statement (one row per line), as the service reads them for an issue
    rows = g.conn.exec_driver_sql(
        f"SELECT {INVOICE_COLUMNS}, i.payment_terms_days, i.buyer_reference, i.order_reference, i.notes, i.series, "
        "i.year, i.sequence, i.seller_snapshot, i.buyer_snapshot, i.issued_at, c.customer_type, c.street, "
        "c.city AS customer_city, c.postcode AS customer_postcode, c.country_code, c.vat_number AS customer_vat, "
        "c.tax_code, c.email, c.peppol_id, c.codice_destinatario, c.pec, c.split_payment AS customer_split, "
        "t.name AS tenant_name, t.address, t.city, t.postcode, t.country, t.vat_number, t.registration_number, "
        "t.currency AS tenant_currency, l.id AS line_id, l.position, l.description, l.quantity, l.unit, "
        "l.unit_price, l.discount_amount, l.vat_category, l.vat_rate, l.vat_exempt, l.vat_natura, "
        "l.vat_ubl_category, l.vat_exemption_reason, l.net_amount, l.vat_amount "
        "FROM invoices i JOIN customers c ON c.tenant_id = i.tenant_id AND c.id = i.customer_id "
        "JOIN tenants t ON t.id = i.tenant_id "
        "LEFT JOIN invoice_lines l ON l.tenant_id = i.tenant_id AND l.invoice_id = i.id "
        "WHERE i.tenant_id = %s AND i.id = %s ORDER BY l.position", (tenant_id, invoice_id)).all()
    if not rows:
        abort(404)
    row = rows[0]
    if row.state != "draft":
        abort(409)
    lines = [line for line in rows if line.line_id is not None]
    if not lines:
        abort(422)
    today = _today()
    jurisdiction = get_jurisdiction(row.country)
    for line in lines:
        category = jurisdiction.vat_rate(line.vat_category, today)
        net = _cents(line.quantity * line.unit_price - line.discount_amount)
        if (category.rate, category.natura, category.ubl_category, net, _cents(net * category.rate / 100)) != (
                line.vat_rate, line.vat_natura, line.vat_ubl_category, line.net_amount, line.vat_amount):
            raise NotImplementedError("the baseline issues only drafts whose lines carry the day's rates")
    found = g.conn.exec_driver_sql("SELECT invoice_series, seller_email, iban, regime_fiscale, peppol_id, "
                                   "stamp_duty_mode FROM invoicing_settings WHERE tenant_id = %s",
                                   (tenant_id,)).first()
    settings = found._asdict() if found else SETTINGS_DEFAULTS
    if row.country == "it" or row.peppol_id:
        raise NotImplementedError("the baseline renders no e-invoice (FatturaPA, Peppol UBL)")
    duty = jurisdiction.rate_table(today).stamp_duty
    if duty is not None and settings["stamp_duty_mode"] != "not_due":
        raise NotImplementedError("the baseline adds no stamp duty")
    series = settings["invoice_series"]
    # the number taken and the counter locked in one statement, as the service does
    take = ("UPDATE invoice_number_counters SET last_number = last_number + 1 WHERE tenant_id = %s AND series = %s "
            "AND year = %s RETURNING last_number")
    sequence = g.conn.exec_driver_sql(take, (tenant_id, series, today.year)).scalar()
    if sequence is None:
        g.conn.exec_driver_sql("INSERT INTO invoice_number_counters (tenant_id, series, year, last_number) "
                               "VALUES (%s, %s, %s, 0) ON CONFLICT DO NOTHING", (tenant_id, series, today.year))
        sequence = g.conn.exec_driver_sql(take, (tenant_id, series, today.year)).scalar()
    net_total = sum((line.net_amount for line in lines), Decimal("0.00"))
    vat_total = sum((line.vat_amount for line in lines), Decimal("0.00"))
    seller = {"name": row.tenant_name, "street": row.address, "city": row.city, "postcode": row.postcode,
              "country_code": COUNTRY_CODES.get(row.country, row.country.upper()), "vat_number": row.vat_number,
              "registration_number": row.registration_number, "email": settings["seller_email"],
              "iban": settings["iban"], "regime_fiscale": settings["regime_fiscale"],
              "peppol_id": settings["peppol_id"], "currency": row.tenant_currency, "locale": jurisdiction.locale,
              "jurisdiction": row.country}
    buyer = {"customer_id": row.customer_id, "name": row.customer_name, "customer_type": row.customer_type,
             "street": row.street, "city": row.customer_city, "postcode": row.customer_postcode,
             "country_code": row.country_code, "vat_number": row.customer_vat, "tax_code": row.tax_code,
             "email": row.email, "peppol_id": row.peppol_id, "codice_destinatario": row.codice_destinatario,
             "pec": row.pec, "is_public_body": row.customer_type in PUBLIC_BODY_TYPES,
             "split_payment": row.customer_split}
    issued = {"state": "issued", "series": series, "year": today.year, "sequence": sequence,
              "number": f"{series}-{today.year}-{sequence:04d}", "issue_date": today,
              "due_date": today + timedelta(days=row.payment_terms_days), "net_total": net_total,
              "vat_total": vat_total, "gross_total": net_total + vat_total, "split_payment": row.customer_split,
              "payable_total": net_total if row.customer_split else net_total + vat_total, "stamp_duty": None,
              "seller_snapshot": seller, "buyer_snapshot": buyer, "issued_at": datetime.now(UTC)}
    g.conn.exec_driver_sql(
        "UPDATE invoices SET " + ", ".join(f"{column} = %({column})s" for column in ISSUED_COLUMNS)
        + " WHERE tenant_id = %(tenant_id)s AND id = %(id)s",
        {**issued, "seller_snapshot": json.dumps(seller), "buyer_snapshot": json.dumps(buyer),
         "tenant_id": tenant_id, "id": invoice_id})
    before = row._asdict()
    changes = {column: [_plain(before[column]), _plain(issued[column])] for column in ISSUED_COLUMNS
               if before[column] != issued[column]}
    g.conn.exec_driver_sql(
        "INSERT INTO audit_log (at, actor_id, tenant_id, action, object_type, object_id, changes) "
        "VALUES (%s, %s, %s, 'update', 'Invoice', %s, %s)",
        (datetime.now(UTC), g.user_id, tenant_id, str(invoice_id), json.dumps(changes)))
    subscriptions = g.conn.exec_driver_sql("SELECT event_types FROM webhook_subscriptions WHERE tenant_id = %s "
                                           "AND active ORDER BY id", (tenant_id,)).all()
    if any("invoice.issued" in subscription.event_types for subscription in subscriptions):
        raise NotImplementedError("the baseline queues no webhook delivery")
    g.commit = True
    return jsonify(_invoice_detail(SimpleNamespace(**{**before, **issued}), lines, today))


# --- members -------------------------------------------------------------------------------------------

MEMBER_COLUMNS = ("id, name, category, email, tax_code, joined_on, left_on, shares_subscribed, shares_paid, "
                  "voting_rights, disadvantaged")


def _member(row) -> dict:
    return {"id": row.id, "name": row.name, "category": row.category, "email": row.email, "tax_code": row.tax_code,
            "joined_on": _iso(row.joined_on), "left_on": _iso(row.left_on),
            "shares_subscribed": _money(row.shares_subscribed), "shares_paid": _money(row.shares_paid),
            "voting_rights": row.voting_rights, "disadvantaged": row.disadvantaged}


@app.get("/api/v1/t/<slug>/members")
def members(slug):
    tenant_id = tenant_scope(slug, READERS)
    page, page_size = page_args()
    rows = g.conn.exec_driver_sql(
        f"SELECT {MEMBER_COLUMNS} FROM members WHERE tenant_id = %s ORDER BY name, id LIMIT %s OFFSET %s",
        (tenant_id, page_size, (page - 1) * page_size)).all()
    total = g.conn.exec_driver_sql("SELECT count(*) FROM members WHERE tenant_id = %s", (tenant_id,)).scalar()
    return paged([_member(row) for row in rows], total, page, page_size)


@app.post("/api/v1/t/<slug>/members")
def add_member(slug):
    tenant_id = tenant_scope(slug, {"treasurer"})
    data = request.get_json()
    values = {"tenant_id": tenant_id, "name": data["name"], "category": data["category"],
              "email": data.get("email"), "tax_code": data.get("tax_code"),
              "joined_on": date.fromisoformat(data["joined_on"]), "left_on": None,
              "shares_subscribed": Decimal("0.00"), "shares_paid": Decimal("0.00"), "voting_rights": 1,
              "disadvantaged": False}
    row = g.conn.exec_driver_sql(
        "INSERT INTO members (tenant_id, name, category, email, tax_code, joined_on, left_on, shares_subscribed, "
        "shares_paid, voting_rights, disadvantaged) VALUES (%(tenant_id)s, %(name)s, %(category)s, "
        "%(email)s, %(tax_code)s, %(joined_on)s, %(left_on)s, %(shares_subscribed)s, %(shares_paid)s, "
        f"%(voting_rights)s, %(disadvantaged)s) RETURNING {MEMBER_COLUMNS}", values).first()
    body = _member(row)
    changes = {key: [None, value] for key, value in {"tenant_id": tenant_id, **body}.items() if value is not None}
    g.conn.exec_driver_sql(
        "INSERT INTO audit_log (at, actor_id, tenant_id, action, object_type, object_id, changes) "
        "VALUES (%s, %s, %s, 'create', 'Member', %s, %s)",
        (datetime.now(UTC), g.user_id, tenant_id, str(row.id), json.dumps(changes)))
    g.commit = True
    response = jsonify(body)
    response.status_code = 201
    return response


# --- contributions -------------------------------------------------------------------------------------

CONTRIBUTION_COLUMNS = (
    "k.id, k.tenant_id, t.slug, k.year, k.accounts_version_id, k.reference, k.net_profit, k.prior_losses_covered, "
    "k.ristorni, k.base, k.rate, k.full_year_amount, k.days_member, k.days_in_year, k.member_from, k.member_until, "
    "k.amount, k.adjustments_total, k.paid_amount, k.legal_reserve, k.approved_on, k.assembly_approved_on, "
    "k.due_basis, k.due_date, k.currency, k.status, k.explanation, k.reopen_reason")


def _contributions(rows) -> list[dict]:
    ids = [row.id for row in rows]
    if ids and g.conn.exec_driver_sql("SELECT count(*) FROM contribution_adjustments WHERE contribution_id = ANY(%s)",
                                      (ids,)).scalar():
        raise NotImplementedError("the baseline answers only uncorrected contributions (the benchmark's data)")
    today, out = _today(), []
    for row in rows:
        outstanding = max(row.amount + row.adjustments_total - row.paid_amount, Decimal("0.00"))
        out.append({
            "id": row.id, "tenant_id": row.tenant_id, "tenant": row.slug, "year": row.year,
            "accounts_version_id": row.accounts_version_id, "reference": row.reference,
            "net_profit": _money(row.net_profit), "prior_losses_covered": _money(row.prior_losses_covered),
            "ristorni": _money(row.ristorni), "base": _money(row.base), "rate": _money(row.rate, RATE),
            "full_year_amount": _money(row.full_year_amount), "days_member": row.days_member,
            "days_in_year": row.days_in_year, "member_from": _iso(row.member_from),
            "member_until": _iso(row.member_until), "amount": _money(row.amount),
            "adjustments_total": _money(row.adjustments_total), "total_due": _money(row.amount + row.adjustments_total),
            "paid_amount": _money(row.paid_amount), "outstanding": _money(outstanding),
            "legal_reserve": str(row.legal_reserve), "approved_on": _iso(row.approved_on),
            "assembly_approved_on": _iso(row.assembly_approved_on), "due_basis": row.due_basis,
            "due_date": _iso(row.due_date), "currency": row.currency, "status": row.status,
            "overdue": row.status in ("due", "part_paid") and outstanding > 0 and row.due_date < today,
            "explanation": row.explanation, "reopen_reason": row.reopen_reason})
    return out


@app.get("/api/v1/t/<slug>/contributions")
def own_contributions(slug):
    tenant_id = tenant_scope(slug, READERS)
    page, page_size = page_args()
    rows = g.conn.exec_driver_sql(
        f"SELECT {CONTRIBUTION_COLUMNS} FROM contributions k JOIN tenants t ON t.id = k.tenant_id "
        "WHERE k.tenant_id = %s ORDER BY k.year DESC LIMIT %s OFFSET %s",
        (tenant_id, page_size, (page - 1) * page_size)).all()
    total = g.conn.exec_driver_sql("SELECT count(*) FROM contributions WHERE tenant_id = %s", (tenant_id,)).scalar()
    return paged(_contributions(rows), total, page, page_size)


@app.get("/api/v1/consortium/mutual-fund/contributions")
def all_contributions():
    consortium_scope()
    page, page_size = page_args()
    rows = g.conn.exec_driver_sql(
        f"SELECT {CONTRIBUTION_COLUMNS} FROM contributions k JOIN tenants t ON t.id = k.tenant_id "
        "ORDER BY k.year DESC, k.tenant_id LIMIT %s OFFSET %s", (page_size, (page - 1) * page_size)).all()
    total = g.conn.exec_driver_sql("SELECT count(*) FROM contributions").scalar()
    return paged(_contributions(rows), total, page, page_size)


# --- lineage -------------------------------------------------------------------------------------------


@app.get("/api/v1/incubation/lineage")
def lineage():
    consortium_scope()
    tenants = g.conn.exec_driver_sql("SELECT id, slug, name, status, founding_date, sponsor_id FROM tenants "
                                     "ORDER BY name, id").all()
    projects = g.conn.exec_driver_sql("SELECT id, working_name, stage, sponsor_id, tenant_id FROM incubation_projects "
                                      "ORDER BY working_name, id").all()
    from_project = {p.tenant_id: p for p in projects if p.tenant_id is not None}
    nodes, children = {}, {}
    for t in tenants:
        project = from_project.get(t.id)
        nodes[t.id] = {"kind": "coop", "id": t.id, "slug": t.slug, "name": t.name, "status": t.status,
                       "stage": project.stage if project else None, "founding_date": _iso(t.founding_date),
                       "project_id": project.id if project else None, "generation": None, "children": []}
        if t.sponsor_id is not None:
            children.setdefault(t.sponsor_id, []).append(nodes[t.id])
    live = [p for p in projects if p.tenant_id is None and p.stage != "closed"]
    for p in live:
        children.setdefault(p.sponsor_id, []).append({
            "kind": "project", "id": p.id, "slug": None, "name": p.working_name, "status": "incubating",
            "stage": p.stage, "founding_date": None, "project_id": p.id, "generation": None, "children": []})
    for parent_id, kids in children.items():
        if parent_id in nodes:
            nodes[parent_id]["children"] = sorted(kids, key=lambda n: (n["kind"] != "coop", n["name"]))
    roots = [nodes[t.id] for t in tenants if t.sponsor_id is None or t.sponsor_id not in nodes]
    deepest, level, generation = 0, list(roots), 1
    while level:
        following = []
        for node in level:
            if node["generation"] is None:
                node["generation"] = deepest = generation
                following.extend(node["children"])
        level, generation = following, generation + 1
    return jsonify({"generations": deepest, "coops": len(tenants), "projects": len(live), "roots": roots})
