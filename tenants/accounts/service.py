"""Annual accounts: upload versions, submit one to the consortium, and the consortium's review of it.

A co-op's functions run on a session scoped to that co-op. The consortium-facing ones
(`submissions_query`, `get_submission`, `mark_accepted`, `mark_returned`, `reopen`) are called by
the mutual fund inside the consortium scope; the writes among them enter the version's own
tenant scope, since only that co-op's scope may write its rows.

Status flow: draft -> submitted (`submit_version`) -> accepted (`mark_accepted`) or returned
(`mark_returned`, with a comment); accepted -> reopened (`reopen`, with a reason). A returned or
reopened version stays as it is: the treasurer uploads a corrected version and submits that.
At most one version per co-op and year is submitted or accepted at a time.
"""

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import PurePosixPath

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.exc import IntegrityError

from consortium.db import Money, utcnow
from consortium.errors import Conflict, NotFound, ServiceError, field_error
from consortium.i18n import _, _l, current_language, ngettext
from consortium.models import Tenant, User
from consortium.tenancy import tenant_scope
from tenants.accounts.models import FIGURE_CODES, LIVE_STATUSES, SENT_STATUSES, AccountsVersion
from tenants.accounts.parsing import DEFAULT_MAX_BYTES, SUMMARY_SHEET, Issue, ParseResult, parse_accounts

FILE_FIELD = "file"
MAX_FILENAME_LENGTH = 255
MAX_COMMENT_LENGTH = 5000
ASSEMBLY_FIELD = "assembly_approved_on"


STATUS_LABELS = {"draft": _l("draft"), "submitted": _l("submitted"), "returned": _l("returned"),
                 "accepted": _l("accepted"), "reopened": _l("reopened")}


class AccountsFileRejected(ServiceError):
    """The upload has errors and nothing was saved: `issues` are the file's (sheet, row, column, reason),
    `field_errors` those of the form's own fields (the year)."""

    def __init__(self, result: ParseResult, issues: list[Issue], field_errors: dict[str, list[str]] | None = None):
        field_errors = field_errors or {}
        count = len(issues) + sum(len(messages) for messages in field_errors.values())
        first = str(issues[0]) if issues else "; ".join(f"{k}: {' '.join(v)}" for k, v in field_errors.items())
        summary = ngettext("The upload has %(num)d error; nothing was saved.",
                           "The upload has %(num)d errors; nothing was saved.", count) + f" {first}"
        super().__init__(summary, {**field_errors, **errors_by_location(issues)})
        self.result = result
        self.issues = issues
        self.field_errors = field_errors


def issue_location(issue: Issue) -> str:
    """Where an issue is, as the key of the problem's `errors`: 'Summary, row 4, column amount', or 'file'."""
    # The problem's keys stay English, as field names do (clients read them); each message is translated.
    where = [part for part in (issue.sheet, None if issue.row is None else f"row {issue.row}",
                               None if issue.column is None else f"column {issue.column}") if part]
    return ", ".join(where) if where else FILE_FIELD


def errors_by_location(issues: list[Issue]) -> dict[str, list[str]]:
    """Issues grouped by location, in the order found."""
    grouped: dict[str, list[str]] = {}
    for issue in issues:
        grouped.setdefault(issue_location(issue), []).append(issue.message)
    return grouped


def issue_dict(issue: Issue) -> dict:
    """An issue as stored and returned: sheet, row, column, message."""
    return {"sheet": issue.sheet, "row": issue.row, "column": issue.column, "message": issue.message}


def _user_id(user: User | int | None) -> int | None:
    return user if isinstance(user, int) or user is None else user.id


def clean_filename(filename: str | None) -> str:
    """The file's own name without any client-side folder (browsers may send 'C:\\fakepath\\x.xlsx')."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name.strip()
    return name[-MAX_FILENAME_LENGTH:]


# --------------------------------------------------------------------------- co-op side


def versions_query(year: int | None = None):
    """SELECT of the co-op's accounts versions, newest year and version first (tenant filter applies)."""
    query = select(AccountsVersion).order_by(AccountsVersion.year.desc(), AccountsVersion.version.desc())
    if year is not None:
        query = query.where(AccountsVersion.year == year)
    return query


def list_versions(session, year: int | None = None) -> list[AccountsVersion]:
    """The co-op's accounts versions (of one year, if given), newest first."""
    return list(session.scalars(versions_query(year)))


def get_version(session, version_id: int) -> AccountsVersion:
    """One accounts version of the current co-op; another co-op's is simply not found."""
    version = session.scalar(select(AccountsVersion).where(AccountsVersion.id == version_id))
    if version is None:
        raise NotFound(_("No accounts version %(id)s in this co-op.", id=version_id))
    return version


def accepted_version(session, year: int) -> AccountsVersion | None:
    """The current co-op's accepted version of `year`, if any."""
    return session.scalar(versions_query(year).where(AccountsVersion.status == "accepted"))


def upload_accounts(
    session,
    *,
    tenant: Tenant,
    year: int,
    filename: str,
    data: bytes,
    uploaded_by: User | int,
    today: date,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> AccountsVersion:
    """Parse an uploaded accounts file and store it as the next draft version of `year`.

    Raises `Conflict` (409) when the year is already accepted, `AccountsFileRejected` (422, errors by
    'Sheet, row R, column C' or 'file'/'year') when the file or the year is wrong; nothing is saved then.
    """
    if accepted_version(session, year) is not None:
        raise Conflict(
            _("The accounts for %(year)s are already accepted by the consortium; ask the consortium to reopen "
              "the year to correct them.", year=year),
            {"year": [_("%(year)s is already accepted", year=year)]},
        )
    name = clean_filename(filename)
    result = parse_accounts(data, name, today=today, max_bytes=max_bytes)
    issues = list(result.errors)
    field_errors = {}
    if year >= today.year:
        field_errors["year"] = [_("%(year)s is not over yet; upload a year's accounts once it has ended", year=year)]
    elif result.year is not None and result.year != year:
        sheet = SUMMARY_SHEET if result.file_format == "xlsx" else None
        row = result._summary_rows.get("financial_year")
        issues.append(Issue(sheet, row, "amount",
                            _("financial_year: the file is for %(file_year)s but was uploaded as %(year)s",
                              file_year=result.year, year=year)))
    if issues or field_errors:
        raise AccountsFileRejected(result, issues, field_errors)

    number = (session.scalar(select(func.max(AccountsVersion.version)).where(AccountsVersion.year == year)) or 0) + 1
    version = AccountsVersion(
        tenant_id=tenant.id,
        year=year,
        version=number,
        status="draft",
        **{code: result.figures[code] for code in FIGURE_CODES},
        trial_balance_accounts=len(result.trial_balance),
        # Each warning keeps the language it was written in, so a page in the other language marks it (WCAG 3.1.2).
        warnings=[{**issue_dict(issue), "language": current_language()} for issue in result.warnings],
        encoding_note=result.encoding_note,
        filename=name,
        file_format=result.file_format,
        file_size=len(data),
        file_sha256=hashlib.sha256(data).hexdigest(),
        file_data=bytes(data),
        uploaded_by_id=_user_id(uploaded_by),
        created_at=utcnow(),
    )
    session.add(version)
    _flush_or_conflict(session, _("Another upload of %(year)s was saved at the same moment; upload again.",
                                  year=year))
    return version


def _flush_or_conflict(session, message: str) -> None:
    # Two requests racing past the checks above meet the unique indexes; the request then rolls back.
    try:
        session.flush()
    except IntegrityError as error:
        raise Conflict(message) from error


def check_assembly_date(year: int, approved_on: date | None, today: date) -> date:
    """The assembly's approval date of `year`'s accounts, or a 422 naming `assembly_approved_on`.

    Required when submitting: the mutual fund's contribution falls due a number of days after it (Law 59/1992
    art. 11: "entro 60 giorni dall'approvazione del bilancio"). Accounts of a year are approved after it ends,
    and not in the future.
    """
    if approved_on is None:
        raise field_error(ASSEMBLY_FIELD, _("is required: the date the members' assembly approved these accounts"))
    if approved_on <= date(year, 12, 31):
        raise field_error(ASSEMBLY_FIELD, _("must be after the end of %(year)s: the assembly approves a year's "
                                            "accounts once the year is over", year=year))
    if approved_on > today:
        raise field_error(ASSEMBLY_FIELD, _("%(date)s is in the future; enter the day the assembly approved the "
                                            "accounts", date=approved_on.isoformat()))
    return approved_on


def submit_version(session, version: AccountsVersion, *, assembly_approved_on: date | None, today: date,
                   submitted_by: User | int | None = None) -> AccountsVersion:
    """Send a draft version to the consortium for review, with the date the members' assembly approved it.

    Only one version per year may be under review or accepted.
    """
    if version.status != "draft":
        raise Conflict(_("Version %(version)s of %(year)s is %(status)s; only a draft can be submitted (upload a "
                         "corrected version instead).", version=version.version, year=version.year,
                         status=STATUS_LABELS.get(version.status, version.status)), {"status": [version.status]})
    live = session.scalar(
        versions_query(version.year).where(AccountsVersion.status.in_(LIVE_STATUSES), AccountsVersion.id != version.id)
    )
    if live is not None:
        raise Conflict(_("Version %(version)s of %(year)s is already %(status)s; only one version of a year can be "
                         "with the consortium.", version=live.version, year=version.year,
                         status=STATUS_LABELS.get(live.status, live.status)), {"status": [live.status]})
    version.assembly_approved_on = check_assembly_date(version.year, assembly_approved_on, today)
    version.status = "submitted"
    version.submitted_at = utcnow()
    version.submitted_by_id = _user_id(submitted_by)
    _flush_or_conflict(session, _("Another version of %(year)s was submitted at the same moment.",
                                  year=version.year))
    return version


# --------------------------------------------------------------------------- consortium side


def submissions_query(*, status: str | None = None, year: int | None = None, tenant_id: int | None = None):
    """SELECT of the versions sent to the consortium, across co-ops, those waiting for review first, then newest
    first (call in the consortium scope)."""
    waiting_first = case((AccountsVersion.status == "submitted", 0), else_=1)
    query = (
        select(AccountsVersion)
        .where(AccountsVersion.status.in_(SENT_STATUSES))
        .order_by(waiting_first, AccountsVersion.submitted_at.desc(), AccountsVersion.tenant_id, AccountsVersion.id)
        .execution_options(all_tenants=True)
    )
    if status is not None:
        query = query.where(AccountsVersion.status == status)
    if year is not None:
        query = query.where(AccountsVersion.year == year)
    if tenant_id is not None:
        query = query.where(AccountsVersion.tenant_id == tenant_id)
    return query


def get_submission(session, version_id: int) -> AccountsVersion:
    """A version sent to the consortium, of any co-op (call in the consortium scope); drafts are not found."""
    version = session.scalar(submissions_query().where(AccountsVersion.id == version_id))
    if version is None:
        raise NotFound(_("No submitted accounts %(id)s.", id=version_id))
    return version


def _require_status(version: AccountsVersion, expected: str, action: str) -> None:
    if version.status != expected:
        values = dict(version=version.version, year=version.year,
                      status=STATUS_LABELS.get(version.status, version.status))
        messages = {
            "accepted": _("Version %(version)s of %(year)s is %(status)s; only submitted accounts can be accepted.",
                          **values),
            "returned": _("Version %(version)s of %(year)s is %(status)s; only submitted accounts can be returned.",
                          **values),
            "reopened": _("Version %(version)s of %(year)s is %(status)s; only accepted accounts can be reopened.",
                          **values),
        }
        raise Conflict(messages[action], {"status": [version.status]})


def _require_text(field: str, value: str | None) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise field_error(field, _("is required"))
    if len(cleaned) > MAX_COMMENT_LENGTH:
        raise field_error(field, _("must be at most %(count)s characters", count=MAX_COMMENT_LENGTH))
    return cleaned


def mark_accepted(session, version: AccountsVersion, *, accepted_by: User | int, accepted_on: date) -> AccountsVersion:
    """The consortium accepts a submitted version: the year's net profit is fixed (writes the co-op's row)."""
    _require_status(version, "submitted", "accepted")
    with tenant_scope(session, version.tenant_id):
        version.status = "accepted"
        version.accepted_on = accepted_on
        version.accepted_by_id = _user_id(accepted_by)
        session.flush()
    return version


def mark_returned(session, version: AccountsVersion, *, comment: str, returned_by: User | int) -> AccountsVersion:
    """The consortium returns a submitted version with a comment the treasurer sees (writes the co-op's row)."""
    _require_status(version, "submitted", "returned")
    comment = _require_text("comment", comment)
    with tenant_scope(session, version.tenant_id):
        version.status = "returned"
        version.return_comment = comment
        version.returned_at = utcnow()
        version.returned_by_id = _user_id(returned_by)
        session.flush()
    return version


def reopen(session, version: AccountsVersion, *, reason: str, by: User | int) -> AccountsVersion:
    """Reopen an accepted version (consortium admin, checked by the caller) so a corrected one can be submitted."""
    _require_status(version, "accepted", "reopened")
    reason = _require_text("reason", reason)
    with tenant_scope(session, version.tenant_id):
        version.status = "reopened"
        version.reopen_reason = reason
        version.reopened_at = utcnow()
        version.reopened_by_id = _user_id(by)
        session.flush()
    return version


def latest_accepted_turnovers(session) -> dict[int, tuple[int, date, Decimal]]:
    """Each co-op's latest accepted accounts as (year, accepted on, total turnover), in one query.

    For consortium dashboards (call in the consortium scope); only the figures are read, never the stored files.
    """
    turnover = type_coerce(AccountsVersion.turnover_public_contracts + AccountsVersion.turnover_private_fees
                           + AccountsVersion.turnover_grants_donations + AccountsVersion.turnover_other, Money)
    query = (submissions_query(status="accepted")
             .with_only_columns(AccountsVersion.tenant_id, AccountsVersion.year, AccountsVersion.accepted_on, turnover)
             .order_by(None).order_by(AccountsVersion.tenant_id, AccountsVersion.year))
    # ascending by year, so each co-op's latest year is the one left in the dict
    return {tenant_id: (year, accepted_on, total) for tenant_id, year, accepted_on, total in session.execute(query)}


def accepted_turnover_totals(session, years) -> dict[tuple[str, int], Decimal]:
    """Total turnover (every source) of the active co-ops' accepted accounts of `years`, summed by the database per
    (currency, year): the figures of a trend line, one row per currency and year (consortium scope)."""
    turnover = (AccountsVersion.turnover_public_contracts + AccountsVersion.turnover_private_fees
                + AccountsVersion.turnover_grants_donations + AccountsVersion.turnover_other)
    query = (select(Tenant.currency, AccountsVersion.year, func.sum(turnover))
             .join(Tenant, Tenant.id == AccountsVersion.tenant_id)
             .where(Tenant.status == "active", AccountsVersion.status == "accepted",
                    AccountsVersion.year.in_(list(years)))
             .group_by(Tenant.currency, AccountsVersion.year)
             .execution_options(all_tenants=True))
    return {(currency, year): Decimal(str(total)).quantize(Decimal("0.01"))
            for currency, year, total in session.execute(query)}


def _active_accepted(query, years):
    """`query` over the active co-ops' accepted accounts of `years`, joined to the directory (consortium scope)."""
    return (query.join(Tenant, Tenant.id == AccountsVersion.tenant_id)
            .where(Tenant.status == "active", AccountsVersion.status == "accepted",
                   AccountsVersion.year.in_(list(years)))
            .execution_options(all_tenants=True))


def accepted_totals_by_currency(session, years, codes) -> dict[tuple[str, int], dict[str, Decimal]]:
    """The total of each of `codes` over the active co-ops' accepted accounts of `years`, summed by the database
    per (currency, year): one row per currency and year, whatever the number of co-ops (consortium scope)."""
    query = _active_accepted(select(Tenant.currency, AccountsVersion.year,
                                    *[func.sum(getattr(AccountsVersion, code)) for code in codes]), years)
    return {(currency, year): {code: Decimal(str(total)).quantize(Decimal("0.01"))
                               for code, total in zip(codes, totals, strict=True)}
            for currency, year, *totals in session.execute(query.group_by(Tenant.currency, AccountsVersion.year))}


def accepted_turnovers_and_profits(session, years) -> list[tuple[str, int, Decimal, Decimal]]:
    """(currency, year, total turnover, net profit) of each active co-op's accepted accounts of `years`, as bare
    columns (the turnover summed by the database, every source): what a median or a distribution needs, no more
    (consortium scope)."""
    turnover = type_coerce(AccountsVersion.turnover_public_contracts + AccountsVersion.turnover_private_fees
                           + AccountsVersion.turnover_grants_donations + AccountsVersion.turnover_other, Money)
    query = _active_accepted(select(Tenant.currency, AccountsVersion.year, turnover, AccountsVersion.net_profit),
                             years)
    return session.execute(query).all()


def accepted_figures(session, years, codes=FIGURE_CODES) -> dict[tuple[int, int], dict[str, Decimal]]:
    """The accepted accounts' Summary figures of `years` (all of them, or only `codes`), keyed by (tenant_id, year),
    in one query.

    For reports: in the consortium scope every co-op's (accounts are what co-ops report), in a co-op's scope its own.
    Only the figures are read, never the stored files.
    """
    columns = [getattr(AccountsVersion, code) for code in codes]
    query = (select(AccountsVersion.tenant_id, AccountsVersion.year, *columns)
             .where(AccountsVersion.status == "accepted", AccountsVersion.year.in_(list(years)))
             .execution_options(all_tenants=True))
    return {(row[0], row[1]): dict(zip(codes, row[2:], strict=True)) for row in session.execute(query)}
