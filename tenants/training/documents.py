"""A training record's certificate (PDF, the platform's document base) and the compliance matrix as XLSX.

The certificate is printed in the co-op's language (its jurisdiction's locale), like its invoices.
"""

import io
from datetime import UTC, datetime

from babel.dates import format_date
from flask import current_app

from consortium.db import as_utc
from consortium.documents import Letterhead, build_pdf, heading, key_value_table, paragraph
from plugins.jurisdictions.base import get_jurisdiction
from tenants.members import service as members
from tenants.training.service import Matrix

LABELS = {
    "en": {
        "title": "Training certificate", "certifies": "This certifies that {name} completed the course below.",
        "name": "Name", "course": "Course", "completed_on": "Completed on", "valid_until": "Valid until",
        "no_expiry": "No expiry", "provider": "Provided by", "pooled": "Pooled consortium session",
        "code": "Verification code", "verify": "Check this certificate at {url}",
    },
    "it": {
        "title": "Attestato di formazione", "certifies": "Si attesta che {name} ha completato il corso indicato.",
        "name": "Nome", "course": "Corso", "completed_on": "Completato il", "valid_until": "Valido fino al",
        "no_expiry": "Senza scadenza", "provider": "Erogato da", "pooled": "Sessione formativa del consorzio",
        "code": "Codice di verifica", "verify": "Verifica questo attestato su {url}",
    },
}
MATRIX_STATES = {
    "en": {"valid": "valid", "expiring": "expiring", "expired": "expired", "missing": "missing"},
    "it": {"valid": "valido", "expiring": "in scadenza", "expired": "scaduto", "missing": "mancante"},
}
FILLS = {"valid": "C6EFCE", "expiring": "FFEB9C", "expired": "FFC7CE", "missing": "D9D9D9"}


def _locale(tenant) -> str:
    return get_jurisdiction(tenant.country).locale


def _labels(locale: str) -> dict:
    return LABELS["it" if locale.startswith("it") else "en"]


def letterhead_of(tenant) -> Letterhead:
    """The co-op's letterhead."""
    lines = [line for line in (tenant.address, " ".join(p for p in (tenant.postcode, tenant.city) if p)) if line]
    return Letterhead(name=tenant.name, address_lines=lines, registration_number=tenant.registration_number,
                      vat_number=tenant.vat_number, currency=tenant.currency, locale=_locale(tenant))


def verification_url(code: str) -> str:
    """The public page that resolves a certificate's code."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/training/verify/{code}"


def certificate_filename(record) -> str:
    """The download name of a record's certificate."""
    return f"certificate-{record.verification_code}.pdf"


def certificate_pdf(session, tenant, record) -> bytes:
    """The certificate of a passed record: who, which course, when, until when, and its verification code."""
    locale = _locale(tenant)
    words = _labels(locale)
    name = members.get_member(session, record.member_id).name
    valid_until = (format_date(record.expires_on, "long", locale=locale) if record.expires_on
                   else words["no_expiry"])
    content = [
        heading(record.course_title),
        paragraph(words["certifies"].format(name=name)),
        key_value_table([
            (words["name"], name),
            (words["course"], record.course_title),
            (words["completed_on"], format_date(record.completed_on, "long", locale=locale)),
            (words["valid_until"], valid_until),
            (words["provider"], record.provider or (words["pooled"] if record.session_id else "—")),
            (words["code"], record.verification_code),
        ]),
        paragraph(words["verify"].format(url=verification_url(record.verification_code))),
    ]
    created = as_utc(record.created_at) or datetime.now(UTC)
    return build_pdf(letterhead_of(tenant), words["title"], content, created_at=created,
                     subject=f"{words['title']}: {record.course_title}")


def matrix_xlsx(matrix: Matrix, tenant) -> bytes:
    """The matrix as a workbook: one row per worker, one column per course, coloured by state, then counts."""
    locale = _locale(tenant)
    italian = locale.startswith("it")
    states = MATRIX_STATES["it" if italian else "en"]
    from openpyxl import Workbook  # openpyxl loads when a workbook is made (issue 16: not in every worker's memory)
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "Matrice" if italian else "Matrix"
    header = ["Lavoratore" if italian else "Worker", "Ruoli" if italian else "Roles"] + [c.title for c in
                                                                                         matrix.courses]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in matrix.rows:
        values = [row.name, ", ".join(row.roles)]
        for course in matrix.courses:
            cell = row.cells.get(course.id)
            if cell is None:
                values.append("")
            elif cell.expires_on:
                values.append(f"{states[cell.state]} ({format_date(cell.expires_on, 'short', locale=locale)})")
            else:
                values.append(states[cell.state])
        sheet.append(values)
        for index, course in enumerate(matrix.courses, start=3):
            cell = row.cells.get(course.id)
            if cell is not None:
                sheet.cell(sheet.max_row, index).fill = PatternFill("solid", fgColor=FILLS[cell.state])
    sheet.append([])
    for state in ("valid", "expiring", "expired", "missing"):
        sheet.append([states[state], ""] + [getattr(matrix.per_course[c.id], state) for c in matrix.courses])
    sheet.append(["% " + ("in regola" if italian else "compliant"), ""]
                 + [matrix.per_course[c.id].percent_compliant
                    for c in matrix.courses])
    overall = matrix.overall.percent_compliant
    sheet.append([("Totale in regola %" if italian else "Overall compliant %"),
                  overall])
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 24
    for index in range(3, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 18
    sheet.freeze_panes = "C2"
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
