"""Notifications: an outbox of emails and webhook deliveries, written in the caller's transaction
and sent later by a job that retries with exponential backoff; email preferences; webhook subscriptions.

Plain functions taking a session; they flush, never commit. A notification queued inside a
business change is therefore committed (or rolled back) with that change: never sent for a
change that did not happen, never lost for one that did.
"""

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from importlib.metadata import entry_points
from urllib.parse import urlsplit

from flask import current_app, has_app_context
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased

from consortium.db import utcnow
from consortium.errors import Conflict, NotFound, field_error
from consortium.i18n import COUNTRY_LANGUAGES, _, _l, current_language, force_locale
from consortium.models import RoleAssignment, Tenant, User
from consortium.notifications.models import (
    ATTACHMENT_NAME_MAX_LENGTH,
    CHANNELS,
    ERROR_MAX_LENGTH,
    STATUSES,
    URL_MAX_LENGTH,
    ConsortiumWebhookSubscription,
    EmailOptOut,
    OutboxAttachment,
    OutboxMessage,
    WebhookSubscription,
    new_delivery_id,
)
from consortium.tenancy import CONSORTIUM_KEY, consortium_scope, current_tenant_id, set_tenant, tenant_scope

logger = logging.getLogger(__name__)

NOTIFIER_GROUP = "consortium.notifiers"
MAX_BACKOFF = timedelta(hours=6)
DEFAULT_BATCH_SIZE = 50
DEDUPE_KEY_MAX_LENGTH = 200
SUBJECT_MAX_LENGTH = 300
EMAIL_MAX_LENGTH = 254
ATTACHMENTS_MAX_BYTES = 10 * 1024 * 1024  # what common mail servers accept in one message, before encoding
ATTACHMENT_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")
# Sent to a new subscription straight away (whatever it subscribed to) so its receiver can check the signature.
PING_EVENT = "ping"

# Module-level registries: features call the register_* functions from their `register()`.
EVENT_SCOPES = ("tenant", "consortium")


@dataclass(frozen=True)
class EventType:
    """A webhook event: a co-op's own ('tenant') or the consortium's ('consortium')."""

    name: str
    label: str
    scope: str


EMAIL_KINDS: dict[str, str] = {}
EVENT_TYPES: dict[str, EventType] = {}


def register_email_kind(kind: str, label: str) -> None:
    """Declare an email kind; users see `label` on their preferences page and may opt out of it."""
    EMAIL_KINDS[kind] = label


def register_event_type(event_type: str, label: str, *, scope: str = "tenant") -> None:
    """Declare a webhook event type: co-ops subscribe to 'tenant' events, the consortium to 'consortium' ones."""
    if scope not in EVENT_SCOPES:
        raise ValueError(f"event type {event_type!r}: scope must be one of {EVENT_SCOPES}, not {scope!r}")
    EVENT_TYPES[event_type] = EventType(event_type, label, scope)


def event_types_for(scope: str) -> list[EventType]:
    """The event types subscriptions of one scope ('tenant' or 'consortium') may choose, by name."""
    return sorted((e for e in EVENT_TYPES.values() if e.scope == scope), key=lambda e: e.name)


def _require_registered(name: str, registry: dict, what: str, registrar: str) -> None:
    if name not in registry:
        raise ValueError(f"{what} {name!r} is not registered: call {registrar}() from the feature's register()")


# The platform's own kinds and events, registered where they are emitted so core code never depends
# on the order features are registered in.
WEBHOOK_FAILED_KIND = "webhooks.delivery_failed"
TENANT_CREATED_EVENT = "tenant.created"
register_email_kind(WEBHOOK_FAILED_KIND, _l("A webhook delivery failed for good"))
register_event_type(TENANT_CREATED_EVENT, _l("A member co-op joined the consortium"), scope="consortium")


# --- recipients and preferences ---------------------------------------------------------------


def users_with_tenant_role(session, tenant_id: int, *roles: str) -> list[User]:
    """Active users holding one of `roles` in the co-op, by name."""
    holders = select(RoleAssignment.user_id).where(RoleAssignment.tenant_id == tenant_id,
                                                   RoleAssignment.role.in_(roles))
    return list(session.scalars(
        select(User).where(User.id.in_(holders), User.is_active.is_(True)).order_by(User.name, User.id)))


def users_with_consortium_role(session, *roles: str) -> list[User]:
    """Active users holding one of the consortium `roles`, by name."""
    holders = select(RoleAssignment.user_id).where(RoleAssignment.tenant_id.is_(None),
                                                   RoleAssignment.project_id.is_(None),
                                                   RoleAssignment.role.in_(roles))
    return list(session.scalars(
        select(User).where(User.id.in_(holders), User.is_active.is_(True)).order_by(User.name, User.id)))


@dataclass(frozen=True)
class EmailPreference:
    """Whether a user receives one kind of email."""

    kind: str
    label: str
    enabled: bool


def email_preferences(session, user: User) -> list[EmailPreference]:
    """Every registered email kind and whether `user` receives it (yes unless they opted out)."""
    opted_out = set(session.scalars(select(EmailOptOut.kind).where(EmailOptOut.user_id == user.id)))
    return [EmailPreference(kind, label, kind not in opted_out) for kind, label in sorted(EMAIL_KINDS.items())]


def set_email_preferences(session, user: User, enabled_kinds: Iterable[str]) -> list[EmailPreference]:
    """Receive exactly the `enabled_kinds` of email; opt out of every other registered kind."""
    enabled = set(enabled_kinds)
    unknown = sorted(enabled - EMAIL_KINDS.keys())
    if unknown:
        raise field_error("kinds", f"unknown email kind(s): {', '.join(unknown)}")
    opted_out = {o.kind: o for o in session.scalars(select(EmailOptOut).where(EmailOptOut.user_id == user.id))}
    for kind in EMAIL_KINDS:
        if kind in enabled and kind in opted_out:
            session.delete(opted_out[kind])
        elif kind not in enabled and kind not in opted_out:
            session.add(EmailOptOut(user_id=user.id, kind=kind))
    session.flush()
    return email_preferences(session, user)


# --- queueing ---------------------------------------------------------------------------------


def _dedupe_hash(tenant_id: int | None, channel: str, kind: str, dedupe_key: str | None, recipient: str):
    if dedupe_key is None:
        return None
    # Scoped by co-op and kind, so two features (or two co-ops) choosing the same key never collide.
    identity = json.dumps([tenant_id, channel, kind, dedupe_key, recipient])
    return hashlib.sha256(identity.encode()).hexdigest()


def _check_dedupe_key(dedupe_key: str | None) -> None:
    if dedupe_key is not None and not 0 < len(dedupe_key) <= DEDUPE_KEY_MAX_LENGTH:
        raise field_error("dedupe_key", f"must be 1 to {DEDUPE_KEY_MAX_LENGTH} characters")


def _check_address(address: str) -> str:
    address = (address or "").strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or len(address) > EMAIL_MAX_LENGTH or any(
            c.isspace() or c in "<>,;" for c in address):
        raise field_error("to", f"{address!r} is not an email address")
    return address


def _one_line_subject(subject: str) -> str:
    # Subjects are often built from user data (a milestone title...): one line, cut to fit, rather than
    # refuse the business change that queued the email. Line breaks would otherwise inject headers.
    subject = " ".join((subject or "").split())
    if not subject:
        raise field_error("subject", "must not be empty")
    return subject if len(subject) <= SUBJECT_MAX_LENGTH else subject[:SUBJECT_MAX_LENGTH - 1] + "…"


@contextmanager
def message_scope(session, tenant_id: int | None):
    """Run a block in the scope an outbox row of `tenant_id` is read and written in.

    A co-op's messages (tenant_id set) in that co-op's scope, the consortium's (None) in the consortium
    scope: row-level security lets the consortium reader reach only `tenant_id IS NULL` rows. Whatever
    the session holds is flushed first, in the scope it was made in.
    """
    current = current_tenant_id(session)
    in_consortium = bool(session.info.get(CONSORTIUM_KEY))
    if current == tenant_id and (tenant_id is not None or in_consortium):
        yield
        return
    session.flush()
    if tenant_id is not None:
        with tenant_scope(session, tenant_id):
            yield
            session.flush()
        return
    set_tenant(session, None)
    try:
        with consortium_scope(session):
            yield
            session.flush()
    finally:
        set_tenant(session, current)


def _queue(session, *, channel: str, kind: str, tenant_id: int | None, recipient: str, dedupe_identity: str,
           body: str, dedupe_key: str | None, subject: str | None = None, subscription_id: int | None = None,
           delivery_id: str | None = None, files: list[tuple[str, str, bytes]] = (),
           language: str | None = None) -> OutboxMessage | None:
    digest = _dedupe_hash(tenant_id, channel, kind, dedupe_key, dedupe_identity)
    # Written (and the repeat looked for) in the message's own scope: a consortium job queueing a co-op's
    # reminder writes it as that co-op, since the consortium reader may not see the co-op's messages.
    with message_scope(session, tenant_id):
        if digest is not None and session.scalar(
                select(OutboxMessage.id).where(OutboxMessage.dedupe_hash == digest)):
            return None  # queued before: reminder jobs run again without sending twice
        message = OutboxMessage(
            delivery_id=delivery_id or new_delivery_id(), channel=channel, kind=kind, tenant_id=tenant_id,
            recipient=recipient, subscription_id=subscription_id, subject=subject, body=body, language=language,
            dedupe_key=dedupe_key, dedupe_hash=digest, status="pending", attempts=0, next_attempt_at=utcnow(),
        )
        message.attachments = [OutboxAttachment(tenant_id=tenant_id, position=position, filename=filename,
                                                content_type=content_type, content=content)
                               for position, (filename, content_type, content) in enumerate(files, start=1)]
        session.add(message)
    return message


def _check_attachments(attachments) -> list[tuple[str, str, bytes]]:
    """(filename, content type, bytes) triples, each checked; a bad one is refused naming its position."""
    checked, total = [], 0
    for number, attachment in enumerate(attachments or (), start=1):
        where = f"attachments[{number}]"
        try:
            filename, content_type, content = attachment
        except (TypeError, ValueError) as error:
            raise field_error("attachments", f"{where}: give (filename, content type, bytes)") from error
        if not isinstance(filename, str) or not filename.strip() or len(filename) > ATTACHMENT_NAME_MAX_LENGTH \
                or any(c in filename for c in '/\\"') or any(ord(c) < 32 for c in filename):
            raise field_error("attachments", f"{where}: {filename!r} is not a file name (no paths, quotes or "
                                             f"control characters, at most {ATTACHMENT_NAME_MAX_LENGTH} characters)")
        if not isinstance(content_type, str) or not ATTACHMENT_TYPE.fullmatch(content_type):
            raise field_error("attachments", f"{where}: {content_type!r} is not a content type like application/pdf")
        if not isinstance(content, bytes | bytearray) or not content:
            raise field_error("attachments", f"{where}: the content must be non-empty bytes")
        total += len(content)
        checked.append((filename.strip(), content_type.lower(), bytes(content)))
    if total > ATTACHMENTS_MAX_BYTES:
        raise field_error("attachments", f"together {total} bytes, more than the {ATTACHMENTS_MAX_BYTES} an email "
                                         "may carry")
    return checked


def enqueue_email(session, *, to: str | Iterable[str], subject: str, body: str, kind: str, tenant_id: int | None,
                  dedupe_key: str | None = None, attachments: Iterable[tuple[str, str, bytes]] | None = None,
                  language: str | None = None) -> list[OutboxMessage]:
    """Queue an email (one row per recipient) in the caller's transaction; returns the new rows.

    A recipient who already has a message with the same `dedupe_key` (for this co-op and kind)
    gets nothing new, so a job that runs twice sends once. `attachments` are (filename, content
    type, bytes), stored with each recipient's message and sent as MIME parts after the text.
    `language` is the one subject and body are written in, recorded with the message: by default the
    language in force (the request's, or `force_locale`'s); give it when the text was written under another.
    """
    language = language or current_language()
    _require_registered(kind, EMAIL_KINDS, "email kind", "register_email_kind")
    _check_dedupe_key(dedupe_key)
    subject = _one_line_subject(subject)
    files = _check_attachments(attachments)
    addresses = [to] if isinstance(to, str) else list(to)
    rows = []
    for address in dict.fromkeys(_check_address(a) for a in addresses):
        row = _queue(session, channel="email", kind=kind, tenant_id=tenant_id, recipient=address,
                     dedupe_identity=address.lower(), subject=subject, body=body, dedupe_key=dedupe_key,
                     files=files, language=language)
        if row is not None:
            rows.append(row)
    session.flush()
    return rows


def notify_users(session, *, users: Iterable[User], kind: str, subject: str, body: str, tenant_id: int | None,
                 dedupe_key: str | None = None, language: str | None = None) -> list[OutboxMessage]:
    """Email the active `users` who have not opted out of `kind`; returns the new outbox rows (`language` as for
    `enqueue_email`)."""
    _require_registered(kind, EMAIL_KINDS, "email kind", "register_email_kind")
    users = [user for user in users if user.is_active]
    if not users:
        return []
    opted_out = set(session.scalars(select(EmailOptOut.user_id).where(
        EmailOptOut.kind == kind, EmailOptOut.user_id.in_([user.id for user in users]))))
    addresses = [user.email for user in users if user.id not in opted_out]
    if not addresses:
        return []
    return enqueue_email(session, to=addresses, subject=subject, body=body, kind=kind, tenant_id=tenant_id,
                         dedupe_key=dedupe_key, language=language)


# --- notices written in their reader's language -------------------------------------------------

#: A notice's text: a function returning (subject, body), called under the reader's language so its
#: `_()`, dates (`format_date`) and numbers follow that language.
NoticeText = Callable[[], tuple[str, str]]


def country_language(country: str | None) -> str:
    """The language a co-op (or supplier) of `country` reads its notices in, else the consortium's."""
    default = current_app.config.get("CONSORTIUM_LANGUAGE", "it") if has_app_context() else "en"
    return COUNTRY_LANGUAGES.get(country or "", default)


def public_url(path: str) -> str:
    """`path` on the site's public address (`PUBLIC_BASE_URL`), for a link in an email."""
    base = str(current_app.config.get("PUBLIC_BASE_URL", "")).rstrip("/") if has_app_context() else ""
    return base + path


def notify_coop(session, tenant: Tenant, *, kind: str, dedupe_key: str, text: NoticeText,
                roles: tuple[str, ...] = ("treasurer",)) -> list[OutboxMessage]:
    """Email the co-op's users holding `roles` a notice in the co-op's language (its country's), as the
    training reminders are written, whoever or whatever (a staff member's request, a job) caused it."""
    language = country_language(tenant.country)
    with force_locale(language):
        subject, body = text()
    return notify_users(session, users=users_with_tenant_role(session, tenant.id, *roles), kind=kind,
                        subject=subject, body=body, tenant_id=tenant.id, dedupe_key=dedupe_key, language=language)


def email_in_language(session, *, language: str, to: str | Iterable[str], kind: str, dedupe_key: str,
                      text: NoticeText, tenant_id: int | None = None,
                      attachments: Iterable[tuple[str, str, bytes]] | None = None) -> list[OutboxMessage]:
    """Queue an email to addresses outside the platform's users (a supplier) written in `language`."""
    with force_locale(language):
        subject, body = text()
    return enqueue_email(session, to=to, subject=subject, body=body, kind=kind, tenant_id=tenant_id,
                         dedupe_key=dedupe_key, attachments=attachments, language=language)


def notify_staff(session, *, kind: str, dedupe_key: str, text: NoticeText,
                 roles: tuple[str, ...] = ("consortium_admin", "consortium_staff")) -> list[OutboxMessage]:
    """Email the consortium's staff holding `roles`, each in their own language, else the consortium's."""
    default = current_app.config.get("CONSORTIUM_LANGUAGE", "it") if has_app_context() else "en"
    by_language: dict[str, list[User]] = {}
    for user in users_with_consortium_role(session, *roles):
        by_language.setdefault(user.language or default, []).append(user)
    sent = []
    for language, readers in by_language.items():
        with force_locale(language):
            subject, body = text()
        sent += notify_users(session, users=readers, kind=kind, subject=subject, body=body, tenant_id=None,
                             dedupe_key=dedupe_key, language=language)
    return sent


def _json_value(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"webhook payload: {type(value).__name__} is not JSON serialisable")


def _queue_delivery(session, subscription, event_type: str, payload: dict, tenant_id: int | None,
                    dedupe_key: str | None) -> OutboxMessage | None:
    delivery_id = new_delivery_id()
    tenant = session.get(Tenant, tenant_id) if tenant_id is not None else None
    body = json.dumps({"id": delivery_id, "type": event_type, "created_at": utcnow().isoformat(),
                       "tenant": tenant.slug if tenant else None, "data": payload}, default=_json_value)
    return _queue(session, channel="webhook", kind=event_type, tenant_id=tenant_id, recipient=subscription.url,
                  dedupe_identity=f"subscription:{subscription.id}", body=body, dedupe_key=dedupe_key,
                  subscription_id=subscription.id, delivery_id=delivery_id)


# Built once: every event reads them (the tenant filter then keeps one filtered copy of each, issue 16).
_CONSORTIUM_SUBSCRIPTIONS = (select(ConsortiumWebhookSubscription)
                             .where(ConsortiumWebhookSubscription.active.is_(True))
                             .order_by(ConsortiumWebhookSubscription.id))
_COOP_SUBSCRIPTIONS = (select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
                       .order_by(WebhookSubscription.id))


def _active_subscriptions(session, tenant_id: int | None) -> list:
    if tenant_id is None:
        return list(session.scalars(_CONSORTIUM_SUBSCRIPTIONS))
    # The event is the co-op's own: read its subscriptions in its scope, whatever scope the caller is in.
    with session.no_autoflush, tenant_scope(session, tenant_id):
        return list(session.scalars(_COOP_SUBSCRIPTIONS))


def emit_event(session, event_type: str, payload: dict, *, tenant_id: int | None,
               dedupe_key: str | None = None) -> list[OutboxMessage]:
    """Queue one webhook delivery per active subscription to `event_type` (the co-op's, or the consortium's).

    The posted JSON is `{"id", "type", "created_at", "tenant": slug or null, "data": payload}`.
    """
    _require_registered(event_type, EVENT_TYPES, "event type", "register_event_type")
    scope = "consortium" if tenant_id is None else "tenant"
    if EVENT_TYPES[event_type].scope != scope:
        raise ValueError(f"event type {event_type!r} is a {EVENT_TYPES[event_type].scope} event, "
                         f"emitted with tenant_id={tenant_id}")
    _check_dedupe_key(dedupe_key)
    rows = []
    for subscription in _active_subscriptions(session, tenant_id):
        if event_type in subscription.event_types:
            row = _queue_delivery(session, subscription, event_type, payload, tenant_id, dedupe_key)
            if row is not None:
                rows.append(row)
    session.flush()
    return rows


# --- webhook subscriptions --------------------------------------------------------------------


def check_webhook_url(url: str | None) -> str:
    """The URL if a webhook may be posted to it: http(s), a host, no credentials, at most 2000 characters."""
    url = (url or "").strip()
    if not url:
        raise field_error("url", "is required")
    if len(url) > URL_MAX_LENGTH:
        raise field_error("url", f"must be at most {URL_MAX_LENGTH} characters")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise field_error("url", "must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is the check (a bad one raises ValueError)
    except ValueError as error:
        raise field_error("url", f"is not a valid URL ({error})") from error
    if parts.scheme.lower() not in ("http", "https"):
        raise field_error("url", "must start with http:// or https://")
    if not parts.hostname:
        raise field_error("url", "must name a host")
    if parts.username is not None or parts.password is not None:
        raise field_error("url", "must not contain credentials (user:password@)")
    return url


def _check_event_types(event_types, scope: str) -> list[str]:
    chosen = list(dict.fromkeys(event_types or []))
    if not chosen:
        raise field_error("event_types", "choose at least one event type")
    allowed = [e.name for e in event_types_for(scope)]
    unknown = [t for t in chosen if t not in allowed]
    if unknown:
        raise field_error("event_types", f"unknown event type(s) for {scope} webhooks: {', '.join(unknown)}; "
                                         f"choose from {', '.join(allowed) or 'none registered yet'}")
    return chosen


def webhooks_query(tenant_id: int | None):
    """SELECT of the co-op's webhooks (tenant filter applies), or with None the consortium's."""
    model = ConsortiumWebhookSubscription if tenant_id is None else WebhookSubscription
    return select(model).order_by(model.created_at.desc(), model.id.desc())


def create_webhook(session, data: dict, *, tenant_id: int | None):
    """Subscribe `url` to `event_types` for a co-op (or None: the consortium); the secret is generated.

    A `ping` delivery is queued straight away so the receiver can check its signature.
    """
    url = check_webhook_url(data.get("url"))
    event_types = _check_event_types(data.get("event_types"), "consortium" if tenant_id is None else "tenant")
    fields = {"url": url, "event_types": event_types, "secret": secrets.token_hex(32),
              "active": data.get("active", True)}
    if tenant_id is None:
        subscription = ConsortiumWebhookSubscription(**fields)
    else:
        subscription = WebhookSubscription(tenant_id=tenant_id, **fields)
    session.add(subscription)
    session.flush()
    _queue_delivery(session, subscription, PING_EVENT, {"subscription_id": subscription.id,
                                                        "event_types": event_types}, tenant_id, None)
    session.flush()
    return subscription


def get_webhook(session, webhook_id: int, *, tenant_id: int | None):
    """One webhook of the current co-op (or None: of the consortium); another co-op's is not found."""
    model = ConsortiumWebhookSubscription if tenant_id is None else WebhookSubscription
    subscription = session.scalar(select(model).where(model.id == webhook_id))
    if subscription is None:
        raise NotFound(f"No webhook {webhook_id}.")
    return subscription


def delete_webhook(session, subscription) -> None:
    """Remove a subscription; its pending deliveries are given up when the job reaches them."""
    session.delete(subscription)
    session.flush()


# --- the outbox pages -------------------------------------------------------------------------


def _filtered(query, status: str | None, channel: str | None):
    if status:
        if status not in STATUSES:
            raise field_error("status", f"must be one of {', '.join(STATUSES)}")
        query = query.where(OutboxMessage.status == status)
    if channel:
        if channel not in CHANNELS:
            raise field_error("channel", f"must be one of {', '.join(CHANNELS)}")
        query = query.where(OutboxMessage.channel == channel)
    return query


def outbox_query(*, status: str | None = None, channel: str | None = None):
    """SELECT of the consortium's own outbox rows (tenant_id IS NULL), newest first (consortium admins).

    A co-op's messages are its own (an invoice webhook carries its lines): the consortium reader cannot
    read them (row-level security), and this says so on SQLite too. Staff see them as counts per co-op
    (`tenant_outbox_counts`); the co-op's treasurer sees and retries them on the co-op's webhooks page.
    """
    query = select(OutboxMessage).where(OutboxMessage.tenant_id.is_(None)).order_by(OutboxMessage.id.desc())
    return _filtered(query, status, channel)


@dataclass(frozen=True)
class TenantOutboxCounts:
    """How many of one co-op's messages wait or were given up (counts only: no recipient, no body)."""

    tenant_id: int
    slug: str
    name: str
    pending: int
    failed: int


def tenant_outbox_counts(session) -> list[TenantOutboxCounts]:
    """Per co-op, how many messages are pending and how many failed for good (co-ops with any, by name).

    Counted in each co-op's own scope (the consortium reader may not read a co-op's rows), and only
    the counts leave this function.
    """
    counts = []
    for tenant in session.scalars(select(Tenant).order_by(Tenant.name, Tenant.id)).all():
        with message_scope(session, tenant.id):
            by_status = dict(session.execute(
                select(OutboxMessage.status, func.count()).where(
                    OutboxMessage.tenant_id == tenant.id, OutboxMessage.status.in_(("pending", "failed")))
                .group_by(OutboxMessage.status)).all())
        if by_status:
            counts.append(TenantOutboxCounts(tenant.id, tenant.slug, tenant.name, by_status.get("pending", 0),
                                             by_status.get("failed", 0)))
    return counts


def tenant_outbox_query(tenant_id: int, *, status: str | None = None, channel: str | None = None):
    """SELECT of one co-op's outbox rows, newest first.

    The outbox is consortium plumbing, not a TenantOwned record (the ORM filter does not apply to it),
    so the co-op's rows are selected here explicitly by `tenant_id`; RLS also limits a co-op's scope to them.
    """
    query = select(OutboxMessage).where(OutboxMessage.tenant_id == tenant_id).order_by(OutboxMessage.id.desc())
    return _filtered(query, status, channel)


def get_outbox_message(session, message_id: int) -> OutboxMessage:
    """One of the consortium's own outbox rows (consortium scope); a co-op's is not found."""
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id,
                                                         OutboxMessage.tenant_id.is_(None)))
    if message is None:
        raise NotFound(f"No outbox message {message_id}.")
    return message


def get_tenant_outbox_message(session, message_id: int, tenant_id: int) -> OutboxMessage:
    """One of a co-op's outbox rows; another co-op's (or the consortium's) is not found."""
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id,
                                                         OutboxMessage.tenant_id == tenant_id))
    if message is None:
        raise NotFound(f"No outbox message {message_id}.")
    return message


def retry_message(session, message: OutboxMessage, *, now: datetime) -> OutboxMessage:
    """Put a failed message back in the queue with a fresh set of attempts."""
    if message.status != "failed":
        raise Conflict(f"status: message {message.id} is {message.status}; only failed messages can be retried",
                       {"status": [f"is {message.status}; only failed messages can be retried"]})
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = now
    session.flush()
    return message


# --- delivery ---------------------------------------------------------------------------------


@dataclass
class DeliveryRun:
    """What one run of the delivery job did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0


class SubscriptionGone(Exception):
    """The webhook subscription was deleted or paused after the delivery was queued."""


@cache
def load_notifiers() -> dict:
    """The installed notifiers (entry-point group `consortium.notifiers`) by channel."""
    return {entry_point.name: entry_point.load() for entry_point in entry_points(group=NOTIFIER_GROUP)}


def backoff_delay(attempts: int, base_seconds: float) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: base * 2**(attempts-1), at most 6 hours."""
    return min(timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _due(now: datetime, tenant_id: int | None):
    """One scope's pending messages whose time has come and that wait behind no earlier message of their
    subscription (`tenant_id` None: the consortium's own messages).

    Webhooks of one subscription go out in the order they were queued: while an earlier one is still
    pending (backing off after a failure, or being sent), the later ones wait. Messages given up
    ('failed') no longer hold the queue back; emails have no order.
    """
    earlier = aliased(OutboxMessage)
    waits_behind = exists().where(
        earlier.channel == "webhook",
        earlier.status == "pending",
        earlier.subscription_id == OutboxMessage.subscription_id,
        earlier.tenant_id.is_not_distinct_from(OutboxMessage.tenant_id),
        earlier.id < OutboxMessage.id,
    )
    in_scope = OutboxMessage.tenant_id.is_(None) if tenant_id is None else OutboxMessage.tenant_id == tenant_id
    return (select(OutboxMessage)
            .where(in_scope, OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now,
                   or_(OutboxMessage.channel != "webhook", ~waits_behind))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id))


def claim_due_messages(session, *, now: datetime, tenant_id: int | None,
                       limit: int = DEFAULT_BATCH_SIZE) -> list[OutboxMessage]:
    """Lock and return one scope's due pending messages; rows another delivery run holds are skipped (PostgreSQL).

    Call it in that scope (`message_scope`): the database shows a co-op's messages only to its own scope.
    """
    return list(session.scalars(_due(now, tenant_id).limit(limit).with_for_update(skip_locked=True)))


def delivery_scopes(session) -> list[int | None]:
    """Where messages may wait: the consortium (None), then every co-op of the directory by id.

    The job learns which co-ops to look at from the tenants table (which the consortium reads), not from
    the outbox (which it may not read): a co-op with nothing due costs one indexed query per run.
    """
    return [None, *session.scalars(select(Tenant.id).order_by(Tenant.id))]


def _subscription_for(session, message: OutboxMessage):
    if message.tenant_id is None:
        return session.get(ConsortiumWebhookSubscription, message.subscription_id)
    # A co-op's subscription is private to it (the consortium reader may not read it): read in its scope.
    with tenant_scope(session, message.tenant_id):
        return session.get(WebhookSubscription, (message.tenant_id, message.subscription_id))


def written_languages(session, messages, default: str) -> dict[int, str | None]:
    """The language each email of `messages` is written in, by message id: the one it recorded when queued; for
    a row queued before migration 0030 (none recorded), its recipient's own language, else `default` (the
    consortium's). None for a webhook."""
    unknown = {m.recipient.lower() for m in messages if m.channel == "email" and not m.language}
    readers = dict(session.execute(select(func.lower(User.email), User.language)
                                   .where(func.lower(User.email).in_(unknown))).all()) if unknown else {}
    return {m.id: (m.language or readers.get(m.recipient.lower()) or default) if m.channel == "email" else None
            for m in messages}


def _send(session, message: OutboxMessage, config: Mapping) -> None:
    notifier = load_notifiers()[message.channel]
    if message.channel == "email":
        attachments = [(a.filename, a.content_type, a.content) for a in message.attachments]
        language = written_languages(session, [message], config.get("CONSORTIUM_LANGUAGE", "en"))[message.id]
        notifier.send(to=message.recipient, subject=message.subject or "", body=message.body,
                      delivery_id=message.delivery_id, config=config, attachments=attachments,
                      language=language)
        return
    subscription = _subscription_for(session, message)
    if subscription is None or not subscription.active:
        raise SubscriptionGone("the webhook subscription was deleted or paused")
    notifier.send(url=message.recipient, body=message.body.encode(), event_type=message.kind,
                  delivery_id=message.delivery_id, secret=subscription.secret, config=config)


def _tell_about_failed_webhook(session, message: OutboxMessage, config: Mapping) -> None:
    base_url = str(config.get("PUBLIC_BASE_URL", "")).rstrip("/")
    if message.tenant_id is None:
        users = users_with_consortium_role(session, "consortium_admin")
        where = f"{base_url}/consortium/outbox?status=failed"
    else:
        users = users_with_tenant_role(session, message.tenant_id, "treasurer")
        tenant = session.get(Tenant, message.tenant_id)
        where = f"{base_url}/t/{tenant.slug}/webhooks"
    # Each recipient reads it in their own language, else the consortium's.
    by_language: dict[str, list[User]] = {}
    for user in users:
        by_language.setdefault(user.language or config.get("CONSORTIUM_LANGUAGE", "en"), []).append(user)
    for language, readers in by_language.items():
        with force_locale(language):
            subject = _("Webhook delivery failed: %(event)s", event=message.kind)
            body = _("The webhook delivery %(delivery)s of event '%(event)s' to %(url)s failed %(attempts)s times "
                     "and was given up.\n\nLast error: %(error)s\n\nRetry it once the receiver is fixed: %(where)s\n",
                     delivery=message.delivery_id, event=message.kind, url=message.recipient,
                     attempts=message.attempts, error=message.last_error, where=where)
        notify_users(session, users=readers, kind=WEBHOOK_FAILED_KIND, subject=subject, body=body,
                     tenant_id=message.tenant_id, dedupe_key=f"webhook-failed:{message.delivery_id}", language=language)


def _record_failure(session, message: OutboxMessage, error: Exception, *, now: datetime, config: Mapping,
                    run: DeliveryRun) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]
    gone = isinstance(error, SubscriptionGone)
    give_up = gone or message.attempts >= int(config["OUTBOX_MAX_ATTEMPTS"])
    logger.warning("outbox message %s (%s to %s) attempt %s failed%s: %s", message.id, message.channel,
                   message.recipient, message.attempts, ", giving up" if give_up else "", message.last_error)
    if give_up:
        message.status = "failed"
        message.next_attempt_at = None
        run.failed += 1
        if message.channel == "webhook" and not gone:
            _tell_about_failed_webhook(session, message, config)
    else:
        message.next_attempt_at = now + backoff_delay(message.attempts, float(config["OUTBOX_BACKOFF_SECONDS"]))
        run.retrying += 1


def _deliver_one(session, message: OutboxMessage, *, now: datetime, config: Mapping, run: DeliveryRun) -> None:
    try:
        _send(session, message, config)
    except Exception as error:  # any failure of one message is recorded on it; the others still go
        _record_failure(session, message, error, now=now, config=config, run=run)
    else:
        message.attempts += 1
        message.status = "delivered"
        message.delivered_at = now
        message.next_attempt_at = None
        message.last_error = None
        run.delivered += 1
    session.flush()


def deliver_due_messages(session, *, now: datetime, config: Mapping, batch_size: int = DEFAULT_BATCH_SIZE,
                         after_each: Callable[[], None] | None = None) -> DeliveryRun:
    """Send due messages one at a time: delivered, or retried later with backoff, or failed after the last attempt.

    Each co-op's messages are claimed, sent and recorded in that co-op's own scope, the consortium's in
    the consortium scope (`message_scope`): the consortium reader never reads a co-op's message. The
    scopes take turns, one message each, so one co-op's backlog does not hold back the others; at most
    `batch_size` messages go out per run. Each message is claimed alone (locked with SKIP LOCKED, so two
    runs at once never send the same one) and its outcome is flushed as soon as it is known; the delivery
    job passes `after_each=commit`, so a crash re-sends at most the one message in flight, with the same
    delivery id (at-least-once).
    """
    now = now.astimezone(UTC)
    run = DeliveryRun()
    waiting = delivery_scopes(session)
    sent = 0
    while waiting and sent < batch_size:
        for tenant_id in list(waiting):
            if sent >= batch_size:
                break
            with message_scope(session, tenant_id):
                claimed = claim_due_messages(session, now=now, tenant_id=tenant_id, limit=1)
                if claimed:
                    _deliver_one(session, claimed[0], now=now, config=config, run=run)
                # Also after a claim that found nothing: each scope's claim then has a transaction of its own. On
                # Citus the reader's and the app role's row locks on the outbox (a reference table) in one
                # transaction are two connections to the worker waiting on each other, which Citus cancels as a
                # distributed deadlock (docs/scaling.md).
                if after_each is not None:
                    after_each()
            if claimed:
                sent += 1
            else:
                waiting.remove(tenant_id)
    return run
