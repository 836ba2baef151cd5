"""Demo members for each demo co-op: realistic categories, dates, shares and Type B disadvantaged workers."""

from datetime import date, timedelta
from decimal import Decimal

from consortium.tenancy import tenant_scope
from tenants.members import service

FIRST_NAMES = {
    "it": ["Giulia", "Marco", "Francesca", "Luca", "Chiara", "Andrea", "Sara", "Matteo", "Elena", "Davide",
           "Martina", "Alessandro", "Federica", "Niccolò", "Beatrice", "Lorenzo", "Giovanni", "Ilaria"],
    "uk": ["Olivia", "James", "Amelia", "Oliver", "Isla", "Harry", "Ava", "George", "Mia", "Noah", "Grace",
           "Jacob", "Freya", "Arjun", "Siobhan", "Kwame", "Zofia", "Eleni"],
}
LAST_NAMES = {
    "it": ["Rossi", "Bianchi", "Esposito", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo",
           "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Fabbri", "Lombardi", "Barbieri"],
    "uk": ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright",
           "Walker", "Evans", "O'Neill", "Okafor", "Kowalska", "Papadopoulou", "Hughes", "Khan"],
}
# (category, how many) per legal form: Type B employs disadvantaged workers, Type A mixes stakeholders.
MIX = {
    "social_coop_a": [("worker", 14), ("volunteer", 6), ("service_user", 4), ("family_member", 3),
                      ("financing_member", 2)],
    "social_coop_b": [("worker", 16), ("volunteer", 3), ("financing_member", 2), ("legal_entity", 1)],
    "social_coop_consortium": [("legal_entity", 12), ("financing_member", 2)],
    "coop_society": [("worker", 11), ("service_user", 5), ("family_member", 2)],
    "cbs_asset_locked": [("worker", 6), ("volunteer", 4), ("service_user", 8), ("financing_member", 5)],
    "cic": [("worker", 5), ("legal_entity", 1)],
}
SHARE = {"it": Decimal("250.00"), "uk": Decimal("1.00")}


def load_demo_members(session, tenants, users, rng) -> None:
    """Fill each demo co-op's register."""
    for tenant in tenants.values():
        with tenant_scope(session, tenant.id):
            for category, count in MIX[tenant.legal_form]:
                for index in range(count):
                    joined = tenant.founding_date + timedelta(days=rng.randint(0, max(
                        (date(2026, 6, 30) - tenant.founding_date).days, 1)))
                    name = (f"{rng.choice(FIRST_NAMES[tenant.country])} {rng.choice(LAST_NAMES[tenant.country])}"
                            if category != "legal_entity" else f"Cooperativa Partner {index + 1}")
                    subscribed = SHARE[tenant.country] * rng.choice([1, 1, 2, 4])
                    service.add_member(session, {
                        "name": name,
                        "category": category,
                        "joined_on": joined,
                        "left_on": joined + timedelta(days=400) if index == 0 and count > 5 else None,
                        "shares_subscribed": subscribed,
                        "shares_paid": subscribed if rng.random() < 0.8 else subscribed / 2,
                        "voting_rights": 1,
                        "disadvantaged": category == "worker" and tenant.legal_form == "social_coop_b"
                        and index % 5 < 2,
                    })
