"""The emails reporting sends through the outbox: the social report and the AR30 return falling due."""

from flask import current_app, has_app_context

from consortium.i18n import _, force_locale, format_date
from consortium.notifications.service import notify_users, users_with_tenant_role

SOCIAL_REPORT_KIND = "reporting.social_report_due"
AR30_KIND = "reporting.ar30_due"


def _base_url() -> str:
    return str(current_app.config.get("PUBLIC_BASE_URL", "")).rstrip("/") if has_app_context() else ""


def coop_language(tenant) -> str:
    """The language a co-op's mail is written in when its reader chose none: Italian for an Italian co-op."""
    return "it" if tenant.country == "it" else "en"


def _remind_treasurers(session, tenant, *, kind: str, dedupe_key: str, texts) -> int:
    """Email the co-op's treasurers through the outbox, each in the language they chose, else the co-op's;
    `texts()` gives (subject, body) in the language in force. `dedupe_key` makes a second run send nothing."""
    by_language: dict[str, list] = {}
    for user in users_with_tenant_role(session, tenant.id, "treasurer"):
        by_language.setdefault(user.language or coop_language(tenant), []).append(user)
    sent = 0
    for language, users in sorted(by_language.items()):
        with force_locale(language):
            subject, body = texts()
        sent += len(notify_users(session, users=users, kind=kind, tenant_id=tenant.id, dedupe_key=dedupe_key,
                                 subject=subject, body=body, language=language))
    return sent


def remind_social_report(session, tenant, year: int, due, threshold: int) -> int:
    """Tell the co-op's treasurers its social report for `year` is due; once per year and threshold."""
    return _remind_treasurers(
        session, tenant,
        kind=SOCIAL_REPORT_KIND,
        dedupe_key=f"reporting.social_report.{tenant.id}.{year}.{threshold}",
        texts=lambda: (
            _("Social report %(year)s due by %(due)s", year=year, due=format_date(due)),
            _(
                "The social report (bilancio sociale) of %(coop)s for %(year)s must be approved by the assembly, "
                "filed at the Registro delle imprese and published on the co-op's website by %(due)s "
                "(D.Lgs. 112/2017 art. 9).\n\n%(url)s/t/%(slug)s/social-reports\n",
                coop=tenant.name, year=year, due=format_date(due), url=_base_url(), slug=tenant.slug,
            ),
        ),
    )


def remind_ar30(session, tenant, year: int, due, threshold: int, year_end) -> int:
    """Tell a UK society's treasurers its AR30 annual return is due; once per year and threshold."""
    return _remind_treasurers(
        session, tenant,
        kind=AR30_KIND,
        dedupe_key=f"reporting.ar30.{tenant.id}.{year}.{threshold}",
        texts=lambda: (
            _("Annual return (AR30) for %(year)s due by %(due)s", year=year, due=format_date(due)),
            _(
                "%(coop)s must send the FCA its annual return (AR30) with the accounts for the year ended "
                "%(end)s by %(due)s, through the Mutuals Society Portal. The FCA sends no reminder "
                "and grants no extension.\n\n%(url)s/t/%(slug)s/reports\n",
                coop=tenant.name, end=format_date(year_end), due=format_date(due), url=_base_url(), slug=tenant.slug,
            ),
        ),
    )
