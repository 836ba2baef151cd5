"""Pooled consortium training: the shared course catalogue, sessions open to member co-ops, enrolments,
attendance and results, cost recharges through invoicing, and the consortium's compliance overview."""


def register(app, api):
    """Attach pooled training's API, pages, navigation and demo data; plug the catalogue into co-op records."""
    from consortium.demo import add_demo_loader
    from consortium.i18n import _l
    from consortium.views import add_nav_link
    from shared_services.training import api as pool_api
    from shared_services.training import service, views
    from shared_services.training.demo import load_demo_training
    from tenants.training.service import use_catalogue

    use_catalogue(service.course_lookup)
    api.register_blueprint(pool_api.blp)
    api.register_blueprint(pool_api.coop_blp)
    app.register_blueprint(views.blp)
    app.register_blueprint(views.coop_blp)
    add_nav_link(_l("Pooled training"), "training_enrol.coop_sessions", "tenant", views.COOP_READERS)
    add_nav_link(_l("Training"), "training_pool.overview", "consortium", views.OFFICERS)
    add_demo_loader(load_demo_training)
    _audit_words()


def _audit_words():
    """Pooled training in the audit log: a session by its course and day, states and results in words."""
    from consortium.audit import audit_words
    from consortium.i18n import _l, format_date
    from shared_services.training.models import (
        COST_BASES,
        DELIVERIES,
        RESULTS,
        SESSION_STATES,
        SPLITS,
        TOPICS,
        TrainingCourse,
        TrainingEnrolment,
        TrainingRecharge,
        TrainingSession,
    )
    from tenants.invoicing.labels import VAT_CATEGORY_LABELS

    audit_words(TrainingCourse, _l("course"), name=lambda course: course.title,
                values={"delivery": DELIVERIES, "topic": TOPICS},
                fields={"code": _l("Code"), "title": _l("Title"), "topic": _l("Topic"), "country": _l("Country"),
                        "delivery": _l("Delivery"), "duration_hours": _l("Hours"), "source": _l("Source"),
                        "standard": _l("Standard"), "validity_months": _l("Valid for (months)")})
    audit_words(TrainingSession, _l("training session"),
                name=lambda session: format_date(session.held_on) if hasattr(session, "course") else "",
                values={"state": SESSION_STATES, "cost_basis": COST_BASES, "split_by": SPLITS,
                        "vat_category": VAT_CATEGORY_LABELS},
                events={("state", "attended"): _l("%(who)s recorded the attendance of the session of %(name)s"),
                        ("state", "recharged"): _l("%(who)s recharged the costs of the session of %(name)s")},
                fields={"held_on": _l("Date"), "place": _l("Place"), "trainer": _l("Trainer"), "seats": _l("Seats"),
                        "booked": _l("Booked"), "cost": _l("Cost"), "state": _l("Status"),
                        "cost_basis": _l("Cost basis"), "split_by": _l("Costs split"), "link": _l("Link"),
                        "vat_category": _l("VAT category"), "attendance_recorded_at": _l("Attendance recorded on"),
                        "recharged_at": _l("Recharged on")})
    audit_words(TrainingEnrolment, _l("enrolment"), name=lambda enrolment: enrolment.attendee_name,
                values={"result": RESULTS}, fields={"attendee_name": _l("Attendee"), "result": _l("Result"),
                                                    "enrolled_at": _l("Enrolled on")})
    audit_words(TrainingRecharge, _l("training recharge"), name=lambda recharge: recharge.invoice_number or "",
                fields={"units": _l("Seats or attendees charged"), "amount": _l("Amount"),
                        "invoice_number": _l("Invoice number")})
