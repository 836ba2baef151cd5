"""Notification input and output shapes: webhook subscriptions and outbox rows."""

from marshmallow import Schema, fields, validate

from consortium.fields import BoundedInt, UtcDateTime
from consortium.notifications.models import CHANNELS, STATUSES


class WebhookSchema(Schema):
    """A webhook subscription; the secret is never shown again after creation."""

    id = BoundedInt(dump_only=True)
    # The URL rules (scheme, host, credentials, length) live in the service, so pages and API share them.
    url = fields.Str(required=True, metadata={"description": "http(s) URL, at most 2000 characters"})
    event_types = fields.List(fields.Str(), required=True, metadata={"description": "registered event types"})
    active = fields.Bool(load_default=True)
    created_at = UtcDateTime(dump_only=True)


class WebhookCreatedSchema(WebhookSchema):
    """A new subscription, with the secret its deliveries are signed with (shown this once)."""

    secret = fields.Str(dump_only=True, metadata={
        "description": "X-Consortium-Signature is sha256=<hex HMAC-SHA256 of the raw body with this secret>"})


class OutboxMessageSchema(Schema):
    """One email or webhook delivery and where it stands."""

    id = BoundedInt()
    delivery_id = fields.Str()
    channel = fields.Str()
    kind = fields.Str()
    tenant_id = BoundedInt(allow_none=True)
    recipient = fields.Str()
    subject = fields.Str(allow_none=True)
    language = fields.Str(allow_none=True, metadata={"description": "the language subject and body are written "
                                                                     "in (it, en); none for a webhook"})
    status = fields.Str()
    attempts = BoundedInt()
    next_attempt_at = UtcDateTime(allow_none=True)
    last_error = fields.Str(allow_none=True)
    created_at = UtcDateTime()
    delivered_at = UtcDateTime(allow_none=True)


class OutboxQuerySchema(Schema):
    """Filters for the outbox list."""

    status = fields.Str(validate=validate.OneOf(STATUSES))
    channel = fields.Str(validate=validate.OneOf(CHANNELS))
