"""Training test helpers, all through the services: catalogue courses, records, requirements, sessions."""

from datetime import date, timedelta
from decimal import Decimal

from consortium.clock import local_today
from consortium.extensions import db
from consortium.models import Tenant
from consortium.tenancy import consortium_scope, tenant_scope
from shared_services.training import service as pool
from tenants.training import service as records


def make_course(factory, *, code="UK-MH-T", title="Moving and positioning people", validity_months=12,
                topic="moving_handling", **fields) -> int:
    """A catalogue course (consortium scope)."""
    with factory.app.app_context():
        with consortium_scope(db.session):
            course = pool.create_course(db.session, {"code": code, "title": title, "topic": topic,
                                                     "delivery": "classroom", "validity_months": validity_months,
                                                     **fields})
        db.session.commit()
        return course.id


def make_record(factory, tenant, *, member_id=None, course_id=None, completed_on=None, title=None) -> int:
    """A passed external record of one of `tenant`'s workers (a new worker and course unless given)."""
    course_id = course_id or make_course(factory, code=f"C-{tenant.slug}", title=title or f"Course for {tenant.slug}")
    member_id = member_id or factory.member(tenant, name=f"Worker of {tenant.slug}")
    with factory.app.app_context():
        with tenant_scope(db.session, tenant.id):
            record = records.record_external(
                db.session, db.session.get(Tenant, tenant.id),
                {"member_id": member_id, "course_id": course_id,
                 "completed_on": completed_on or local_today() - timedelta(days=30), "provider": "Test provider"},
                today=local_today())
            db.session.commit()
            return record.id


def require(factory, tenant, roles: list[dict]) -> None:
    """Set the co-op's roles and requirements."""
    with factory.app.app_context():
        with tenant_scope(db.session, tenant.id):
            records.replace_requirements(db.session, tenant.id, roles, today=local_today())
            db.session.commit()


def make_issuer(factory, slug="consorzio-test"):
    """The consortium's own co-op that raises recharge invoices (Italian, with a valid partita IVA)."""
    return factory.tenant(slug, name="Consorzio Test", country="it", legal_form="social_coop_consortium",
                          currency="EUR", vat_number="00743110157", address="Piazza Maggiore 3", city="Bologna",
                          postcode="40124")


def make_session(factory, course_id, issuer_slug, *, held_on: date | None = None, seats=10, cost="1000.00",
                 cost_basis="per_session", split_by="attendees") -> int:
    """A pooled session (consortium scope)."""
    with factory.app.app_context():
        with consortium_scope(db.session):
            made = pool.create_session(db.session, {
                "course_id": course_id, "held_on": held_on or local_today() + timedelta(days=10),
                "place": "Sala formazione", "trainer": "Laura Benassi", "seats": seats, "cost_basis": cost_basis,
                "cost": Decimal(cost), "split_by": split_by, "invoicing_tenant": issuer_slug,
                "vat_category": "esente_art10"}, today=local_today())
        db.session.commit()
        return made.id
