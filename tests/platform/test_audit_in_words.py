"""The audit log in words (issue 15): "Teresa Tesoriera issued invoice INV-2026-0009", each change by its field's
label with values written as pages write them, in the reader's language; never a class name, a field's code or
a Python repr."""

import re
from html import unescape

import pytest
from sqlalchemy import select

from consortium.demo import DEMO_PASSWORD
from consortium.extensions import db
from consortium.models import AuditEntry, Tenant
from consortium.tenancy import consortium_scope, tenant_scope
from tests.conftest import login, token_for
from tests.platform.test_italian_walk import _VisibleText, demo  # noqa: F401  (the demo fixture)


def visible(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts)).replace(" :", ":")


def audit_text(client, path, **query) -> str:
    answer = client.get(path, query_string=query)
    assert answer.status_code == 200, path
    return visible(answer.get_data(as_text=True))


def _demo_records(app):
    """What the demo wrote that the sentences name: a draft invoice to issue, a member, an accepted accounts
    version, a paid pay run, a filed social report (read from the records, as the page should name them)."""
    from shared_services.reporting.models import SocialReport
    from tenants.accounts.models import AccountsVersion
    from tenants.invoicing.models import Invoice
    from tenants.members.models import Member
    from tenants.payroll.models import PayRun

    with app.app_context():
        with consortium_scope(db.session):
            girasole = db.session.scalar(select(Tenant).where(Tenant.slug == "girasole")).id
        with tenant_scope(db.session, girasole):
            def first(model, *conditions):
                return db.session.scalars(select(model).where(*conditions).order_by(model.id)).first()

            paid_run = next(entry.object_id for entry in db.session.scalars(select(AuditEntry).where(
                AuditEntry.tenant_id == girasole, AuditEntry.action == "update", AuditEntry.object_type == "PayRun"))
                if entry.changes.get("state", [None, None])[1] == "paid")
            member = first(Member, Member.left_on.is_(None), Member.category == "worker")
            accounts = first(AccountsVersion, AccountsVersion.status == "accepted")
            return {"draft": first(Invoice, Invoice.state == "draft").id, "member": (member.id, member.name),
                    "accounts": (accounts.year, accounts.version),
                    "pay_date": first(PayRun, PayRun.id == int(paid_run)).pay_date,
                    "report": first(SocialReport, SocialReport.state == "filed").year}


def test_the_audit_log_says_who_did_what_in_italian_and_english(app, demo):  # noqa: F811
    records = _demo_records(app)
    client = app.test_client()
    headers = token_for(client, "treasurer@example.coop", DEMO_PASSWORD)
    member_id, member_name = records["member"]
    assert client.patch(f"/api/v1/t/girasole/members/{member_id}", headers=headers,
                        json={"shares_subscribed": "2000.00", "shares_paid": "1472.80",
                              "category": "volunteer"}).status_code == 200
    issued = client.post(f"/api/v1/t/girasole/invoices/{records['draft']}/issue", headers=headers)
    assert issued.status_code == 200, issued.get_json()
    number = issued.get_json()["number"]
    year, version = records["accounts"]
    day, month, pay_year = records["pay_date"].strftime("%d %m %Y").split()

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "it"
    assert login(client, "treasurer@example.coop", DEMO_PASSWORD).status_code == 302
    italian = audit_text(client, "/t/girasole/audit", object="Invoice")
    assert f"Teresa Tesoriera ha emesso la fattura {number}" in italian
    assert "Stato: bozza → emessa" in italian
    italian = audit_text(client, "/t/girasole/audit", object="Member")
    assert f"Teresa Tesoriera ha modificato: socio {member_name}" in italian
    assert "Capitale sociale versato:" in italian and "→ 1.472,80 €" in italian
    assert "Categoria di socio: Socio lavoratore → Socio volontario" in italian
    italian = audit_text(client, "/t/girasole/audit", object="AccountsVersion")
    assert f"Il sistema ha accettato il bilancio {year}, versione {version}" in italian
    italian = audit_text(client, "/t/girasole/audit", object="PayRun", per=100)
    assert f"Il sistema ha pagato l'elaborazione paghe del {day}/{month}/{pay_year}" in italian
    italian = audit_text(client, "/t/girasole/audit", object="SocialReport")
    assert f"Il sistema ha depositato il bilancio sociale {records['report']}" in italian

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post("/language", data={"language": "en"})
    english = audit_text(client, "/t/girasole/audit", object="Invoice")
    assert f"Teresa Tesoriera issued invoice {number}" in english and "Status: draft → issued" in english
    english = audit_text(client, "/t/girasole/audit", object="Member")
    assert f"Teresa Tesoriera changed member {member_name}" in english
    assert "→ €1,472.80" in english and "Stakeholder category: Worker → Volunteer" in english
    english = audit_text(client, "/t/girasole/audit", object="AccountsVersion")
    assert f"The system accepted the accounts {year}, version {version}" in english
    english = audit_text(client, "/t/girasole/audit", object="PayRun", per=100)
    assert f"The system paid the pay run of {records['pay_date'].day} {records['pay_date']:%b} {pay_year}" in english
    english = audit_text(client, "/t/girasole/audit", object="SocialReport")
    assert f"The system filed social report {records['report']}" in english


@pytest.mark.parametrize("email, paths", [
    ("treasurer@example.coop", ["/t/girasole/audit", "/t/fragola-lavoro/audit"]),
    ("admin@example.coop", ["/consortium/audit"]),
])
def test_no_audit_page_of_the_demo_shows_a_repr_a_class_name_or_a_field_code(app, demo, email, paths):  # noqa: F811
    from consortium.db import Base

    # CamelCase class names; a one-word one ("Invoice") only as the old "Invoice #9"
    class_names = {mapper.class_.__name__ for mapper in Base.registry.mappers}
    camel_case = {name for name in class_names if re.search(r"[a-z][A-Z]", name)}
    field_codes = {attr.key for mapper in Base.registry.mappers for attr in mapper.column_attrs if "_" in attr.key}
    client = app.test_client()
    assert login(client, email, DEMO_PASSWORD).status_code == 302
    for language in ("it", "en"):
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        for path in paths:
            for page in range(1, 200):
                answer = client.get(path, query_string={"page": page})
                text = visible(answer.get_data(as_text=True))
                words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
                assert not words & camel_case, (path, page, sorted(words & camel_case))
                assert not re.search(rf"\b({'|'.join(class_names)}) #\d", text), (path, page)
                assert not words & field_codes, (path, page, sorted(words & field_codes))
                assert not re.search(r"[{\[]'|Decimal\(|datetime\.|\bNone\b", text), (path, page)
                if f"page={page + 1}" not in answer.get_data(as_text=True):
                    break


def test_another_coops_audit_entries_stay_out_of_sight(app, demo):  # noqa: F811
    """Girasole's treasurer reads Girasole's log only: another co-op's log is refused, and no record of another
    co-op is named in hers (the names are read inside her co-op's scope)."""
    from tenants.members.models import Member

    with app.app_context():
        with consortium_scope(db.session):
            riverside = db.session.scalar(select(Tenant).where(Tenant.slug == "riverside-care")).id
        with tenant_scope(db.session, riverside):
            others = set(db.session.scalars(select(Member.name)))
    assert others
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "it"
    assert login(client, "treasurer@example.coop", DEMO_PASSWORD).status_code == 302
    assert client.get("/t/riverside-care/audit").status_code in (403, 404)
    text = audit_text(client, "/t/girasole/audit", object="Member", per=100)
    assert "socio" in text and not [name for name in others if name in text]


@pytest.mark.parametrize("email, paths", [
    ("treasurer@example.coop", ["/t/girasole/audit", "/t/fragola-lavoro/audit"]),
    ("admin@example.coop", ["/consortium/audit"]),
])
def test_no_audit_page_of_the_demo_shows_a_raw_state_code(app, demo, email, paths):  # noqa: F811
    """Every coded value (a contribution's part_paid, a round's closed, a bid's submitted) reads as its feature's
    label in both languages: no snake_case code anywhere, and no registered code left untranslated after an arrow."""
    from consortium.audit import AUDIT_WORDS, field_label
    from consortium.i18n import force_locale

    client = app.test_client()
    assert login(client, email, DEMO_PASSWORD).status_code == 302
    for language in ("it", "en"):
        with app.test_request_context(), force_locale(language):
            # each field's codes under the field's label; a code that is also a word a field of the same label
            # shows ("approved": a pay run's status, beside a social report's) cannot tell raw from read
            shown_words, codes = {}, {}
            for words in AUDIT_WORDS.values():
                for key, labels in words.values.items():
                    label = field_label(words, key)
                    shown_words.setdefault(label, set()).update(str(word).lower() for word in labels.values())
                    codes.setdefault(label, set()).update(code for code, word in labels.items()
                                                          if str(word).lower() != code)
            codes = {label: found - shown_words[label] for label, found in codes.items()}
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        for path in paths:
            for page in range(1, 200):
                html = client.get(path, query_string={"page": page}).get_data(as_text=True)
                text = visible(html)
                assert not re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", text), (language, path, page)
                # each change is "<strong>label</strong>: before → after": a value that is a whole code is raw
                raw = {(unescape(label), unescape(value))
                       for label, *values in re.findall(r"<div><strong>([^<]*)</strong>: (.*?) → (.*?)</div>", html)
                       for value in values if unescape(value) in codes.get(unescape(label), ())}
                assert not raw, (language, path, page, sorted(raw))
                if f"page={page + 1}" not in html:
                    break


def test_every_audited_model_and_field_has_its_words(app):
    """Every model whose changes the session audits is registered with `audit_words`, and every field its log shows
    has a label (its own or a shared one: created, currency...): a new model or column cannot reach the log as a
    class or column name, in English on an Italian page."""
    from consortium.audit import AUDIT_WORDS, unworded_fields
    from consortium.db import Base

    audited = [mapper.class_ for mapper in Base.registry.mappers if getattr(mapper.class_, "__audited__", False)]
    assert len(audited) > 60  # every feature's models, registered with the app
    assert sorted(model.__name__ for model in audited if model.__name__ not in AUDIT_WORDS) == []
    assert {model.__name__: sorted(unworded_fields(model)) for model in audited if unworded_fields(model)} == {}


def test_every_entry_the_demo_writes_has_its_words(app, demo):  # noqa: F811
    """The entries written outside the session's own audit (a pay run's payslips, in one statement) too: each
    record type of the demo's log is registered and each field it shows has a label."""
    from consortium.audit import AUDIT_WORDS, _models_by_name, _shown_fields, field_label
    from tests.conftest import unrestricted

    models = _models_by_name()
    with unrestricted(app) as connection:
        entries = connection.execute(select(AuditEntry.object_type, AuditEntry.changes)).all()
    assert {object_type for object_type, _changes in entries} >= {"Payslip", "Invoice", "Tenant", "FundEntry"}
    unworded = {}
    for object_type, changes in entries:
        words, shown = AUDIT_WORDS.get(object_type), _shown_fields(models.get(object_type))
        missing = {key for key in changes if key in shown and (words is None or field_label(words, key) is None)}
        if words is None or missing:
            unworded.setdefault(object_type, set()).update(missing or {"(not registered)"})
    assert unworded == {}
