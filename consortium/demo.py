"""The demo consortium: co-ops of several legal forms, realistic members, and the four demo users.

Features add their own demo records through `add_demo_loader`, so this module names none of them.
"""

import random
from collections.abc import Callable
from datetime import date

from consortium.directory import service as directory
from consortium.i18n import _, feature_catalogue
from consortium.tenancy import commit_at_each_role_change, set_consortium_scope

DEMO_PASSWORD = "demo-password"  # noqa: S105 - documented in the README, demo only

DemoLoader = Callable[..., None]
DEMO_LOADERS: list[DemoLoader] = []


def add_demo_loader(loader: DemoLoader) -> None:
    """Features register `loader(session, tenants: dict[slug, Tenant], users: dict[key, User], rng)`."""
    if loader not in DEMO_LOADERS:
        DEMO_LOADERS.append(loader)


DEMO_TENANTS = [
    {"slug": "girasole", "name": "Il Girasole Cooperativa Sociale", "country": "it", "legal_form": "social_coop_a",
     "vat_number": "01122330010", "registration_number": "A123456", "founding_date": date(2008, 3, 14),
     "address": "Via dei Mille 12", "city": "Bologna", "postcode": "40121"},
    {"slug": "fragola-lavoro", "name": "Fragola Lavoro Società Cooperativa Sociale", "country": "it",
     "legal_form": "social_coop_b", "vat_number": "02233440151", "registration_number": "A234567",
     "founding_date": date(2012, 9, 1), "address": "Via Emilia 220", "city": "Modena", "postcode": "41121"},
    {"slug": "consorzio-sol", "name": "Consorzio Sol.Co. Emilia", "country": "it",
     "legal_form": "social_coop_consortium", "vat_number": "03344550375", "registration_number": "A345678",
     "founding_date": date(1999, 5, 20), "address": "Piazza Maggiore 3", "city": "Bologna", "postcode": "40124"},
    {"slug": "riverside-care", "name": "Riverside Care Co-operative", "country": "uk", "legal_form": "coop_society",
     "vat_number": "100000034", "registration_number": "31245R", "founding_date": date(2015, 4, 1),
     "address": "14 Mill Lane", "city": "Manchester", "postcode": "M4 5JD"},
    {"slug": "green-futures", "name": "Green Futures Community Benefit Society", "country": "uk",
     "legal_form": "cbs_asset_locked", "vat_number": "100000047", "registration_number": "32011R",
     "founding_date": date(2019, 7, 15), "address": "2 Canal Street", "city": "Leeds", "postcode": "LS1 4AB"},
    {"slug": "northfield-cic", "name": "Northfield Home Support CIC", "country": "uk", "legal_form": "cic",
     "vat_number": None, "registration_number": "11223344", "founding_date": date(2021, 1, 11),
     "address": "8 Station Road", "city": "Sheffield", "postcode": "S1 2GH"},
    {"slug": "piccola-fragola", "name": "Piccola Fragola Cooperativa Sociale", "country": "it",
     "legal_form": "social_coop_b", "vat_number": "04455660581", "registration_number": "A456789",
     "founding_date": date(2024, 2, 2), "address": "Via del Pratello 40", "city": "Bologna", "postcode": "40122",
     "sponsor": "fragola-lavoro"},
]

DEMO_USERS = {
    "admin": {"email": "admin@example.coop", "name": "Anna Admin", "roles": [{"role": "consortium_admin"}]},
    "staff": {"email": "staff@example.coop", "name": "Stefano Staff", "roles": [{"role": "consortium_staff"}]},
    "treasurer": {"email": "treasurer@example.coop", "name": "Teresa Tesoriera",
                  "roles": [{"role": "treasurer", "tenant": "girasole"},
                            {"role": "treasurer", "tenant": "fragola-lavoro"}]},
    # The mentor's roles are per incubation project; the incubation demo assigns them.
    "mentor": {"email": "mentor@example.coop", "name": "Marco Mentore", "roles": []},
    "uk_treasurer": {"email": "treasurer.uk@example.coop", "name": "Tom Treasurer",
                     "roles": [{"role": "treasurer", "tenant": "riverside-care"},
                               {"role": "treasurer", "tenant": "green-futures"},
                               {"role": "treasurer", "tenant": "northfield-cic"}]},
}


def load_demo(session, seed: int = 381) -> str:
    """Create the demo consortium in `session`; returns a summary line.

    It writes in the consortium's scope and in each co-op's in turn, committing at each change between the
    consortium reader and the app role (which Citus needs, docs/scaling.md); the caller commits the last part.
    """
    rng = random.Random(seed)
    with commit_at_each_role_change(session):
        set_consortium_scope(session, True)
        tenants, users = {}, {}
        # each part is written with its feature's catalogue first, as the scheduler runs a job
        with feature_catalogue(directory.__name__):
            for data in DEMO_TENANTS:
                tenants[data["slug"]] = directory.create_tenant(session, dict(data))
            for key, data in DEMO_USERS.items():
                users[key], _invitation = directory.create_user(session, {**data, "password": DEMO_PASSWORD})
        for loader in DEMO_LOADERS:
            with feature_catalogue(loader.__module__):
                loader(session, tenants, users, rng)
    # the feature loaders add their own users (the payroll clerks), so count what the directory now holds
    user_count = len(session.scalars(directory.users_query()).all())
    return _("Demo consortium loaded: %(coops)s co-ops, %(users)s users (password '%(password)s').",
             coops=len(tenants), users=user_count, password=DEMO_PASSWORD)
