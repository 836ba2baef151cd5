"""Accounts test data: filled templates (XLSX, CSV) and versions uploaded through the service layer."""

import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from consortium.clock import local_today
from consortium.extensions import db
from consortium.models import User
from consortium.tenancy import tenant_scope
from tenants.accounts import service
from tenants.accounts.parsing import build_template_xlsx
from tests.accounts.sample_accounts import FIGURES, TRIAL_BALANCE, accounts_csv

__all__ = ["FIGURES", "LAST_YEAR", "TRIAL_BALANCE", "assembly_date", "filled_csv", "filled_xlsx", "upload_version"]

LAST_YEAR = local_today().year - 1


def filled_xlsx(year=LAST_YEAR, figures=FIGURES, amounts=None, trial_balance=None, extra_columns=()):
    """The downloaded template filled in; `amounts` overrides single Summary cells (text, formulas...)."""
    workbook = load_workbook(io.BytesIO(build_template_xlsx(year)))
    summary = workbook["Summary"]
    for row in summary.iter_rows(min_row=3):
        code = row[0].value
        row[2].value = float(figures[code]) if code in figures else None
        if amounts and code in amounts:
            row[2].value = amounts[code]
    for offset, name in enumerate(extra_columns):
        summary.cell(row=1, column=4 + offset, value=name)
    for values in trial_balance or ():
        workbook["TrialBalance"].append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filled_csv(year=LAST_YEAR, figures=FIGURES, **options):
    """The CSV template filled in (options as `accounts_csv`: delimiter, decimal_comma, encoding, labels...)."""
    return accounts_csv(year, figures, **options)


def assembly_date(year: int):
    """A plausible day for the members' assembly to approve `year`'s accounts: 29 April next year, or today."""
    return min(date(year + 1, 4, 29), local_today())


def upload_version(factory, tenant, *, uploader_email=None, year=LAST_YEAR, submit=False, filename=None) -> int:
    """Upload (and optionally submit) a version for `tenant` through the service; returns its id."""
    email = uploader_email or f"uploader@{tenant.slug}.test"
    with factory.app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
    user_id = user.id if user else factory.user(email, {"role": "treasurer", "tenant": tenant.slug})
    with factory.app.app_context():
        with tenant_scope(db.session, tenant.id):
            version = service.upload_accounts(
                db.session, tenant=tenant, year=year, filename=filename or f"accounts-{tenant.slug}.xlsx",
                data=filled_xlsx(year), uploaded_by=user_id, today=local_today(),
            )
            if submit:
                service.submit_version(db.session, version, assembly_approved_on=assembly_date(year),
                                       today=local_today(), submitted_by=user_id)
            db.session.commit()
            return version.id
