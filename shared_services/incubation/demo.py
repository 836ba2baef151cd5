"""Demo incubation: projects at different stages sponsored by demo co-ops, two of them mentored by the demo
mentor, with founding groups, stage histories, checklists, milestones (one overdue) and meeting notes."""

from datetime import UTC, datetime, time, timedelta

from consortium.clock import local_today
from shared_services.incubation import service

PROJECTS = [
    {"sponsor": "girasole", "working_name": "Orto Solidale", "intended_legal_form": "social_coop_b",
     "intended_type": "Tipo B: orticoltura con persone in percorsi di recupero", "locality": "Bologna, Navile",
     "need": "Inserimenti lavorativi per persone che escono da percorsi di dipendenza, coltivando verdure per le "
             "mense scolastiche.", "language": "it",
     "stage": "business_plan", "age_days": 300, "mentor": True,
     "founders": [("Chiara Greco", "worker"), ("Davide Conti", "worker"), ("Sara Ricci", "volunteer"),
                  ("Associazione Ortinsieme", "legal_entity")]},
    {"sponsor": "fragola-lavoro", "working_name": "Fragola Bici", "intended_legal_form": "social_coop_b",
     "intended_type": "Tipo B: riparazione di biciclette e consegne", "locality": "Modena centro",
     "need": "Una ciclofficina e consegne in cargo-bike che danno lavoro a giovani con disabilità.", "language": "it",
     "stage": "registered", "age_days": 520, "mentor": True,
     "founders": [("Matteo Bruno", "worker"), ("Elena Gallo", "worker"), ("Luca Marino", "worker"),
                  ("Giovanni Fabbri", "financing_member")]},
    {"sponsor": "riverside-care", "working_name": "Riverside Home Meals", "intended_legal_form": "coop_society",
     "intended_type": "multi-stakeholder: cooks and the older people they cook for", "locality": "Ancoats, Manchester",
     "need": "Hot meals at home for older people discharged from hospital.",
     "stage": "founding_group_formed", "age_days": 120, "mentor": False,
     "founders": [("Grace Okafor", "worker"), ("Harry Walker", "service_user"), ("Isla Hughes", "worker")]},
    {"sponsor": "riverside-care", "working_name": "Mill Lane Laundry", "intended_legal_form": "coop_society",
     "intended_type": "worker co-op", "locality": "Manchester", "need": "A community laundry.",
     "stage": "paused", "age_days": 400, "mentor": False, "founders": [("Kwame Khan", "worker")]},
]


# What the demo's people wrote, in their own language.
WRITTEN = {
    "en": {"board": "Meet the sponsor's board", "funding": "Next funding application submitted",
           "decisions": ["Agreed the budget for the first year.", "Chose the accountant.",
                         "Split the work on the business plan."],
           "next_steps": ["Call the bank about the account.", "Draft the rules with the notary.",
                          "Visit two possible premises."],
           "paused": "Founders looking for premises; resume when a site is found."},
    "it": {"board": "Incontrare il consiglio della cooperativa promotrice",
           "funding": "Domanda per il prossimo finanziamento presentata",
           "decisions": ["Approvato il budget del primo anno.", "Scelto il commercialista.",
                         "Divisi i compiti sul piano d’impresa."],
           "next_steps": ["Chiamare la banca per il conto.", "Preparare lo statuto con il notaio.",
                          "Visitare due possibili sedi."],
           "paused": "I fondatori cercano una sede; si riprende quando la si trova."},
}


def _at(day) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=UTC)


def _walk_to(session, project, stage, *, start, actor, step_days, paused_reason):
    """Tick each stage's required items and move on, one stage every `step_days`, up to `stage`."""
    moment = start
    target = "business_plan" if stage == "paused" else stage
    while project.stage != target:
        moment += timedelta(days=step_days)
        for item in service.checklist(session, project, project.stage):
            if item.required:
                service.tick_item(session, project, item.id, True, user=actor, now=_at(moment))
        service.move_stage(session, project, service.allowed_moves(project)[0], user=actor, now=_at(moment))
    if stage == "paused":
        service.move_stage(session, project, "paused", user=actor, now=_at(moment + timedelta(days=10)),
                           reason=paused_reason)


def load_demo_incubation(session, tenants, users, rng) -> None:
    """Create the demo projects (the demo mentor follows two of them)."""
    today = local_today()
    admin, mentor = users["admin"], users["mentor"]
    for data in PROJECTS:
        start = today - timedelta(days=data["age_days"])
        project = service.create_project(session, {
            **{k: data[k] for k in ("sponsor", "working_name", "intended_legal_form", "intended_type", "locality",
                                    "need")},
            "started_on": start, "founders": [{"name": n, "role": r} for n, r in data["founders"]],
        }, user=admin, today=today, now=_at(start))
        written = WRITTEN[data.get("language", "en")]
        _walk_to(session, project, data["stage"], start=start, actor=admin, step_days=data["age_days"] // 5,
                 paused_reason=written["paused"])
        if data["mentor"]:
            service.assign_mentor(session, project, user_id=mentor.id)
        service.add_milestone(session, project, {"title": written["board"], "owner": "mentor",
                                                 "due_on": today - timedelta(days=rng.randint(5, 20))})
        service.add_milestone(session, project, {"title": written["funding"],
                                                 "owner": data["founders"][0][0],
                                                 "due_on": today + timedelta(days=rng.randint(10, 40))})
        for weeks_ago in (3, 2, 1):
            service.add_note(session, project, {
                "met_on": today - timedelta(weeks=weeks_ago),
                "attendees": ", ".join(n for n, _ in data["founders"][:3]) + (", mentor" if data["mentor"] else ""),
                "decisions": rng.choice(written["decisions"]),
                "next_steps": rng.choice(written["next_steps"]),
            }, user=mentor if data["mentor"] else admin)
