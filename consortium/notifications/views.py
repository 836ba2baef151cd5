"""Notification pages: a co-op's webhooks and outbox, the consortium's webhooks and whole outbox, email preferences."""

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from consortium import lists
from consortium.auth import consortium_role_required, tenant_role_required
from consortium.db import utcnow
from consortium.extensions import db
from consortium.forms import run_service
from consortium.i18n import _, _l
from consortium.notifications import service
from consortium.notifications.models import CHANNELS, STATUSES, OutboxMessage

blp = Blueprint("notifications", __name__, template_folder="templates")

# The outbox's codes in words.
STATUS_LABELS = {"pending": _l("pending"), "delivered": _l("delivered"), "failed": _l("failed")}
CHANNEL_LABELS = {"email": _l("email"), "webhook": _l("webhook")}


@blp.app_context_processor
def _outbox_labels():
    return {"outbox_status_labels": STATUS_LABELS, "outbox_channel_labels": CHANNEL_LABELS,
            "outbox_kind_labels": {**{k: v.label for k, v in service.EVENT_TYPES.items()}, **service.EMAIL_KINDS}}
PAGE_SIZE = 50


def _outbox_page(query):
    """One page of an outbox SELECT: searched (recipient, subject, delivery id), sorted, filtered, in pages."""
    listing = lists.Listing(
        search=[OutboxMessage.recipient, OutboxMessage.subject, OutboxMessage.delivery_id, OutboxMessage.kind],
        sorts={"queued": OutboxMessage.created_at, "channel": OutboxMessage.channel, "status": OutboxMessage.status,
               "attempts": OutboxMessage.attempts, "to": OutboxMessage.recipient},
        default_sort="queued", default_desc=True, descending=("queued", "attempts"),
        filters={"status": {code: (STATUS_LABELS[code], OutboxMessage.status == code) for code in STATUSES},
                 "channel": {code: (CHANNEL_LABELS[code], OutboxMessage.channel == code) for code in CHANNELS}},
        date=OutboxMessage.created_at, date_is_timestamp=True, page_size=PAGE_SIZE)
    return listing.apply(db.session, query)


def _languages(outbox) -> dict[int, str | None]:
    """The language each email of the page is written in (a row from before migration 0030 recorded none)."""
    return service.written_languages(db.session, list(outbox), current_app.config.get("CONSORTIUM_LANGUAGE", "en"))


def _webhooks_page(tenant_id: int | None, template_args: dict):
    """List and create webhooks of one scope; a new subscription's secret is shown on this answer only."""
    errors, created = {}, None
    if request.method == "POST":
        data = {"url": request.form.get("url", ""), "event_types": request.form.getlist("event_types")}
        created, errors = run_service(lambda: service.create_webhook(db.session, data, tenant_id=tenant_id))
        if created is not None:
            flash(_("Webhook added. Copy its secret now: it is not shown again."))
    webhooks = db.session.scalars(service.webhooks_query(tenant_id)).all()
    scope = "consortium" if tenant_id is None else "tenant"
    return render_template("notifications/webhooks.html", webhooks=webhooks, created=created, errors=errors,
                           values=request.form, event_types=service.event_types_for(scope), **template_args)


@blp.route("/t/<slug>/webhooks", methods=["GET", "POST"])
@tenant_role_required("treasurer")
def tenant_webhooks():
    """The co-op's webhooks (add, remove) and the co-op's outbox: what was sent, what is waiting, what failed."""
    outbox = _outbox_page(service.tenant_outbox_query(g.tenant.id))
    return _webhooks_page(g.tenant.id, {"scope_name": g.tenant.name, "outbox": outbox,
                                        "outbox_languages": _languages(outbox),
                                        "delete_endpoint": "notifications.delete_tenant_webhook",
                                        "page_endpoint": "notifications.tenant_webhooks"})


@blp.route("/t/<slug>/webhooks/<int:webhook_id>/delete", methods=["POST"])
@tenant_role_required("treasurer")
def delete_tenant_webhook(webhook_id):
    """Remove one of the co-op's webhooks."""
    subscription = service.get_webhook(db.session, webhook_id, tenant_id=g.tenant.id)
    service.delete_webhook(db.session, subscription)
    flash(_("Webhook to %(url)s removed.", url=subscription.url))
    return redirect(url_for("notifications.tenant_webhooks"))


@blp.route("/t/<slug>/outbox/<int:message_id>/retry", methods=["POST"])
@tenant_role_required("treasurer")
def retry_tenant_outbox_message(message_id):
    """Put one of the co-op's failed messages back in the queue (say, once its webhook receiver is fixed)."""
    message = service.get_tenant_outbox_message(db.session, message_id, g.tenant.id)
    return _retry(message, "notifications.tenant_webhooks")


def _retry(message, page_endpoint: str):
    retried, _errors = run_service(lambda: service.retry_message(db.session, message, now=utcnow()))
    if retried is not None:
        flash(_("Message %(num)s to %(to)s is queued again; it goes out within a minute.",
                num=message.id, to=message.recipient))
    return redirect(url_for(page_endpoint, status=request.args.get("status") or None))


@blp.route("/consortium/webhooks", methods=["GET", "POST"])
@consortium_role_required("consortium_admin")
def consortium_webhooks():
    """The consortium's webhooks (consortium events such as a co-op joining)."""
    return _webhooks_page(None, {"scope_name": _("the consortium"), "outbox": None,
                                 "delete_endpoint": "notifications.delete_consortium_webhook",
                                 "page_endpoint": "notifications.consortium_webhooks"})


@blp.route("/consortium/webhooks/<int:webhook_id>/delete", methods=["POST"])
@consortium_role_required("consortium_admin")
def delete_consortium_webhook(webhook_id):
    """Remove one of the consortium's webhooks."""
    subscription = service.get_webhook(db.session, webhook_id, tenant_id=None)
    service.delete_webhook(db.session, subscription)
    flash(_("Webhook to %(url)s removed.", url=subscription.url))
    return redirect(url_for("notifications.consortium_webhooks"))


@blp.route("/consortium/outbox")
@consortium_role_required("consortium_admin")
def consortium_outbox():
    """The consortium's own emails and webhook deliveries (failed ones can be retried), and per co-op only
    how many of its messages wait or failed: a co-op's messages are its own (the treasurer retries them)."""
    outbox = _outbox_page(service.outbox_query())
    return render_template("notifications/outbox.html", outbox=outbox, outbox_languages=_languages(outbox),
                           tenant_counts=service.tenant_outbox_counts(db.session))


@blp.route("/consortium/outbox/<int:message_id>/retry", methods=["POST"])
@consortium_role_required("consortium_admin")
def retry_outbox_message(message_id):
    """Put a failed message back in the queue; the delivery job sends it within a minute."""
    return _retry(service.get_outbox_message(db.session, message_id), "notifications.consortium_outbox")


@blp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def email_preferences():
    """Which kinds of email the current user receives."""
    errors = {}
    if request.method == "POST":
        enabled = request.form.getlist("kinds")
        saved, errors = run_service(lambda: service.set_email_preferences(db.session, current_user, enabled))
        if saved is not None:
            flash(_("Your email preferences are saved."))
            return redirect(url_for("notifications.email_preferences"))
    return render_template("notifications/preferences.html", errors=errors,
                           preferences=service.email_preferences(db.session, current_user)), 422 if errors else 200


def admin_home_tasks(_tenant=None) -> list[dict]:
    """The consortium admin's to-do: deliveries that failed for good and wait for a retry."""
    failed = db.session.scalar(select(func.count()).select_from(
        service.outbox_query(status="failed").order_by(None).subquery()))
    return [{"label": _("Failed deliveries to look at"), "count": failed,
             "url": url_for("notifications.consortium_outbox", status="failed")}]
