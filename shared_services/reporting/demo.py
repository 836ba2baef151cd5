"""Demo reporting: Il Girasole's social report for the year before last, approved by its assembly and filed,
and its draft for last year; Fragola Lavoro's draft with one section still to write; what each co-op reports."""

from datetime import date

from consortium.clock import local_today
from consortium.tenancy import tenant_scope
from shared_services.reporting import service

GIRASOLE_TEXT = {
    "methodology": "Il bilancio sociale è redatto dal consiglio di amministrazione con i coordinatori dei servizi, "
    "secondo le linee guida del D.M. 4 luglio 2019; i dati provengono dal libro soci, dalla contabilità "
    "e dal registro della formazione tenuti sulla piattaforma del consorzio.",
    "activities": "Assistenza domiciliare a 310 persone anziane nel distretto di Bologna, due centri diurni e il "
    "servizio educativo scolastico in convenzione con il Comune.",
    "other": "Nessun contenzioso in corso. La cooperativa aderisce al consorzio e al fondo mutualistico.",
    "monitoring": "Il collegio sindacale ha verificato l'osservanza delle finalità sociali e che il bilancio sociale "
    "è redatto in conformità alle linee guida (relazione allegata al verbale dell'assemblea).",
}


def load_demo_reporting(session, tenants, users, rng) -> None:
    """An approved and filed report, and drafts for last year; every co-op's reported figures (as the daily job
    `reporting.report_figures` would have written them), so the dashboard shows Type B workers and invoicing."""
    today = local_today()
    for tenant in tenants.values():
        with tenant_scope(session, tenant.id):
            service.refresh_reported_figures(session, tenant, service.years_to_report(session, today))
    earlier, last = today.year - 2, today.year - 1
    girasole = tenants["girasole"]
    with tenant_scope(session, girasole.id):
        sections = {k: {"text": v} for k, v in GIRASOLE_TEXT.items()}
        approved = service.create_report(session, girasole, {"year": earlier, "sections": sections})
        service.approve_report(session, girasole, approved, date(earlier + 1, 5, 20), today=today)
        service.file_report(session, approved, date(earlier + 1, 6, 12), today=today)
        service.create_report(
            session, girasole, {"year": last, "sections": {"methodology": {"text": GIRASOLE_TEXT["methodology"]}}}
        )
    lavoro = tenants["fragola-lavoro"]
    with tenant_scope(session, lavoro.id):
        service.create_report(
            session,
            lavoro,
            {
                "year": last,
                "sections": {
                    "methodology": {"text": "Redatto dal CdA con i responsabili dell'inserimento lavorativo."},
                    "activities": {
                        "text": "Pulizie civili, manutenzione del verde pubblico e facchinaggio; percorsi di "
                        "inserimento lavorativo per persone svantaggiate (L. 381/1991 art. 4)."
                    },
                    "monitoring": {
                        "omission_reason": "La cooperativa non ha un organo di controllo: non è obbligata a "
                        "nominarlo per dimensione."
                    },
                },
            },
        )
