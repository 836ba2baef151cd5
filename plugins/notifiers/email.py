"""Email notifier: SMTP when `SMTP_HOST` is set, otherwise a local debugging sink.

The sink (development) logs each message and writes it to `MAIL_DEBUG_DIR` as an .eml file
named after its delivery id, so nothing is lost and a developer can open it in a mail client.
Knows nothing of Flask or the database: it gets the message and a config mapping.
"""

import logging
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path

logger = logging.getLogger(__name__)


def message_id_for(delivery_id: str, mail_from: str) -> str:
    """A Message-ID that stays the same on every retry, so receivers can drop duplicates."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    return f"<{delivery_id}@{domain}>"


def build_message(*, to: str, subject: str, body: str, delivery_id: str, mail_from: str,
                  attachments: Sequence[tuple[str, str, bytes]] = (), language: str | None = None) -> EmailMessage:
    """The email for one outbox row: its text, then each (filename, content type, bytes) as an attachment.
    `language` (the one the text is written in) becomes its `Content-Language` (RFC 3282), so a mail client or a
    screen reader reads an Italian email as Italian."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id_for(delivery_id, mail_from)
    message.set_content(body)
    if language:  # after set_content, which clears content headers; with attachments it stays on the text part
        message["Content-Language"] = language
    for filename, content_type, content in attachments:
        maintype, _slash, subtype = content_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message


def write_to_sink(message: EmailMessage, delivery_id: str, folder: str) -> Path:
    """Development: log the message and save it as `<delivery_id>.eml` (a retry overwrites, never duplicates)."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    target = path / f"{delivery_id}.eml"
    target.write_bytes(bytes(message))
    files = [part.get_filename() for part in message.iter_attachments()]
    logger.info("email (no SMTP_HOST, kept in %s) to %s: %s\n%s%s", target, message["To"], message["Subject"],
                (message.get_body(preferencelist=("plain",)) or message).get_content(),
                f"\n(attached: {', '.join(files)})" if files else "")
    return target


@dataclass(frozen=True)
class EmailNotifier:
    """Sends one email per call; raises (OSError, smtplib.SMTPException) when it could not."""

    channel: str = "email"

    def send(self, *, to: str, subject: str, body: str, delivery_id: str, config: Mapping,
             attachments: Sequence[tuple[str, str, bytes]] = (), language: str | None = None) -> None:
        """Send the email by SMTP, or to the debugging sink when no SMTP host is configured."""
        message = build_message(to=to, subject=subject, body=body, delivery_id=delivery_id,
                                mail_from=config["MAIL_FROM"], attachments=attachments, language=language)
        if not config.get("SMTP_HOST"):
            write_to_sink(message, delivery_id, config["MAIL_DEBUG_DIR"])
            return
        with smtplib.SMTP(config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25),
                          timeout=float(config.get("SMTP_TIMEOUT") or 10)) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
            smtp.send_message(message)


notifier = EmailNotifier()
