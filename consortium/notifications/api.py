"""Notifications API: co-op and consortium webhooks, the consortium outbox and its retry button."""

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from consortium.api import SQLPage
from consortium.auth import consortium_role_required, tenant_role_required
from consortium.db import utcnow
from consortium.extensions import db
from consortium.notifications import schemas, service

tenant_blp = Blueprint("tenant_webhooks_api", __name__, url_prefix="/api/v1/t/<slug>/webhooks",
                       description="A co-op's webhooks (treasurer)")
consortium_blp = Blueprint("consortium_notifications_api", __name__, url_prefix="/api/v1/consortium",
                           description="Consortium webhooks and the outbox (consortium admin)")


@tenant_blp.route("")
class TenantWebhooksResource(MethodView):
    @tenant_role_required("treasurer")
    @tenant_blp.response(200, schemas.WebhookSchema(many=True))
    @tenant_blp.paginate(SQLPage)
    def get(self):
        """The co-op's webhook subscriptions, newest first."""
        return service.webhooks_query(g.tenant.id)

    @tenant_role_required("treasurer")
    @tenant_blp.arguments(schemas.WebhookSchema)
    @tenant_blp.response(201, schemas.WebhookCreatedSchema)
    def post(self, data):
        """Subscribe a URL to the co-op's events; the answer carries the signing secret, shown this once."""
        return service.create_webhook(db.session, data, tenant_id=g.tenant.id)


@tenant_blp.route("/<int:webhook_id>")
class TenantWebhookResource(MethodView):
    @tenant_role_required("treasurer")
    @tenant_blp.response(204)
    def delete(self, webhook_id):
        """Remove a webhook subscription."""
        service.delete_webhook(db.session, service.get_webhook(db.session, webhook_id, tenant_id=g.tenant.id))


@consortium_blp.route("/webhooks")
class ConsortiumWebhooksResource(MethodView):
    @consortium_role_required("consortium_admin")
    @consortium_blp.response(200, schemas.WebhookSchema(many=True))
    @consortium_blp.paginate(SQLPage)
    def get(self):
        """The consortium's webhook subscriptions (consortium events), newest first."""
        return service.webhooks_query(None)

    @consortium_role_required("consortium_admin")
    @consortium_blp.arguments(schemas.WebhookSchema)
    @consortium_blp.response(201, schemas.WebhookCreatedSchema)
    def post(self, data):
        """Subscribe a URL to consortium events; the answer carries the signing secret, shown this once."""
        return service.create_webhook(db.session, data, tenant_id=None)


@consortium_blp.route("/webhooks/<int:webhook_id>")
class ConsortiumWebhookResource(MethodView):
    @consortium_role_required("consortium_admin")
    @consortium_blp.response(204)
    def delete(self, webhook_id):
        """Remove a consortium webhook subscription."""
        service.delete_webhook(db.session, service.get_webhook(db.session, webhook_id, tenant_id=None))


@consortium_blp.route("/outbox")
class OutboxResource(MethodView):
    @consortium_role_required("consortium_admin")
    @consortium_blp.arguments(schemas.OutboxQuerySchema, location="query")
    @consortium_blp.response(200, schemas.OutboxMessageSchema(many=True))
    @consortium_blp.paginate(SQLPage)
    def get(self, filters):
        """Every email and webhook delivery, newest first; filter by `status` or `channel`."""
        return service.outbox_query(**filters)


@consortium_blp.route("/outbox/<int:message_id>/retry")
class OutboxRetryResource(MethodView):
    @consortium_role_required("consortium_admin")
    @consortium_blp.response(200, schemas.OutboxMessageSchema)
    def post(self, message_id):
        """Put a failed message back in the queue (a fresh set of attempts, starting now)."""
        return service.retry_message(db.session, service.get_outbox_message(db.session, message_id), now=utcnow())
