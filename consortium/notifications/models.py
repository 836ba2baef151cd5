"""Notification tables: the outbox (email and webhook deliveries), webhook subscriptions, email opt-outs."""

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consortium.db import Base, BigId, TenantOwned, sql_list, utcnow
from consortium.models import JsonDoc

CHANNELS = ("email", "webhook")
STATUSES = ("pending", "delivered", "failed")
URL_MAX_LENGTH = 2000
ERROR_MAX_LENGTH = 1000
ATTACHMENT_NAME_MAX_LENGTH = 200


def new_delivery_id() -> str:
    """A random UUID naming one delivery; it stays the same on every retry."""
    return str(uuid.uuid4())


class OutboxMessage(Base):
    """One email or webhook delivery, written in the business transaction and sent later by a job.

    Consortium-level on purpose: the outbox is plumbing, not a co-op record (the ORM filter does not
    apply; pages filter explicitly by `tenant_id`). But a co-op's messages carry its private data
    (an invoice webhook's lines), so they are read and written only in that co-op's scope: row-level
    security gives a co-op's scope its own rows, and the consortium reader only the consortium's own
    messages (`tenant_id IS NULL`). The delivery job delivers each co-op's messages in its scope.
    """

    __tablename__ = "outbox_messages"
    __tenancy__ = "consortium"
    # What the consortium reader reaches: the consortium's own messages, never a co-op's bodies.
    __consortium_rows__ = "tenant_id IS NULL"
    __audited__ = False  # technical: the business change that queued it is audited already

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_delivery_id)
    channel: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(100))  # the email kind or the webhook event type
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(URL_MAX_LENGTH))  # email address, or webhook URL when queued
    # Webhooks: the subscription's id in `webhook_subscriptions` (tenant_id set) or the consortium's table.
    subscription_id: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)  # email text, or the exact JSON that is signed and posted
    # The language an email's subject and body are written in (`it`, `en`); none for a webhook, or a message
    # queued before it was recorded. The outbox pages mark the text with it (WCAG 3.1.2).
    language: Mapped[str | None] = mapped_column(String(5))
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    # SHA-256 of (scope, kind, dedupe_key, recipient): bounded, and unique so a repeat is refused.
    dedupe_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(ERROR_MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(f"channel IN {sql_list(CHANNELS)}", name="channel"),
        CheckConstraint(f"status IN {sql_list(STATUSES)}", name="status"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        # The delivery job claims one scope's due messages at a time (a co-op's, or the consortium's: NULL).
        Index("ix_outbox_messages_scope_due", "tenant_id", "status", "next_attempt_at"),
        # "Does an earlier message of this subscription still wait?" (deliveries keep their order).
        Index("ix_outbox_messages_subscription_queue", "subscription_id", "status", "id"),
    )


    # the files an email carries, in the order given; loaded when the message is sent
    attachments: Mapped[list["OutboxAttachment"]] = relationship(
        cascade="all, delete-orphan", order_by=lambda: OutboxAttachment.position, lazy="select")


class OutboxAttachment(Base):
    """One file an outbox email carries (a payslip PDF...), stored with the message and sent as a MIME part.

    Same kind as its message: a consortium table with the message's `tenant_id`; a co-op's scope reaches
    its own messages' files, the consortium reader only the consortium's own (a payslip is private).
    """

    __tablename__ = "outbox_attachments"
    __tenancy__ = "consortium"
    __consortium_rows__ = "tenant_id IS NULL"
    __audited__ = False  # technical, like its message

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(BigId, ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(ATTACHMENT_NAME_MAX_LENGTH))
    content_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (CheckConstraint("position >= 1", name="position_positive"),)


class WebhookFields:
    """What a webhook subscription holds, for a co-op or for the consortium."""

    url: Mapped[str] = mapped_column(String(URL_MAX_LENGTH))
    event_types: Mapped[list] = mapped_column(JsonDoc)
    secret: Mapped[str] = mapped_column(String(64))  # kept in clear: every delivery is signed with it
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookSubscription(WebhookFields, TenantOwned, Base):
    """A co-op's webhook: its own events are posted to `url`, signed with `secret`."""

    __tablename__ = "webhook_subscriptions"
    __audit_exclude__ = ("secret",)


class ConsortiumWebhookSubscription(WebhookFields, Base):
    """A consortium webhook: consortium events (a co-op joined...) are posted to `url`."""

    __tablename__ = "consortium_webhook_subscriptions"
    __audit_exclude__ = ("secret",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class EmailOptOut(Base):
    """A user who does not want emails of one kind (everyone gets every kind unless they opt out)."""

    __tablename__ = "email_opt_outs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_email_opt_outs_user_kind"),)
