"""The database is unreachable: answer 503 with `Retry-After`, log it once, recover by itself.

The engine pings each pooled connection before use (`pool_pre_ping`), so connections that
died while idle (a database restart, `pg_terminate_backend`) are replaced without an error.
A connection lost mid-request, or a database that does not answer at all, raises an
OperationalError (or InterfaceError): the request is rolled back whole and answered 503 — a
problem+json body on the API, a short page elsewhere, built without touching the database. The
first such failure of an outage is logged as an error with its cause; the rest only at debug level,
until a request succeeds again ("database reachable again").

Errors the server answered are not an outage, even of the same classes (a deadlock, a lock timeout, a statement
Citus refuses): they stay the usual 500, logged with their traceback, and so does the PendingRollbackError a later
statement of the same transaction raises after one of them (it used to answer 503 and hid the real error).
"""

import logging
import threading

from flask import Response, current_app, request, session
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, PendingRollbackError

from consortium.extensions import db
from consortium.i18n import LANGUAGES, SESSION_KEY, _, current_language, force_locale

logger = logging.getLogger("consortium.database")
RETRY_AFTER_SECONDS = 5
# The classes an outage raises (PendingRollbackError: a statement after an error within the same transaction);
# is_database_down_error tells an outage from an ordinary error of the same classes.
DATABASE_ERRORS = (DBAPIError, PendingRollbackError)
# SQLSTATEs of a lost or refused connection: class 08 (connection exception), and the server shutting down
# (57P01 admin_shutdown, 57P02 crash_shutdown) or not yet taking connections (57P03 cannot_connect_now)
# (PostgreSQL's error codes: https://www.postgresql.org/docs/current/errcodes-appendix.html).
CONNECTION_LOST_STATES = ("57P01", "57P02", "57P03")

_state = threading.Lock()
_down = False


def is_database_down_error(error: BaseException) -> bool:
    """True for errors that mean the database could not be reached or the connection was lost; False for an error
    the server answered (a refused statement, a deadlock) and for the PendingRollbackError that follows one."""
    if isinstance(error, PendingRollbackError):
        earlier = error.__cause__ or error.__context__  # the error being handled when it was raised, if any
        return earlier is not None and is_database_down_error(earlier)
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, (OperationalError, InterfaceError)):
        return False
    state = getattr(error.orig, "sqlstate", None)  # None: raised by the driver itself, not answered by the server
    return state is None or state.startswith("08") or state in CONNECTION_LOST_STATES


def note_database_down(error: BaseException) -> None:
    """Log the first failure of an outage once, as one line naming its cause; later ones quietly."""
    global _down
    with _state:
        first, _down = not _down, True
    cause = str(getattr(error, "orig", None) or error).strip().splitlines()[0:1]
    if first:
        logger.error("database unreachable, answering 503 until it is back: %s: %s",
                     type(getattr(error, "orig", error)).__name__, cause[0] if cause else "")
    else:
        logger.debug("database still unreachable: %s", cause[0] if cause else "")


def note_database_up() -> None:
    """A request reached the database again: log the recovery once."""
    global _down
    if not _down:
        return
    with _state:
        was_down, _down = _down, False
    if was_down:
        logger.warning("database reachable again")


def database_unavailable(error: BaseException) -> Response:
    """503 for a request that could not reach the database; everything it did is rolled back. Any other database
    error is raised again, to be answered and logged as the error it is (500)."""
    if not is_database_down_error(error):
        raise error
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the pool discards it
        db.session.remove()
    note_database_down(error)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    with force_locale(language_without_database()):
        detail = _("The database cannot be reached just now; nothing was saved. Retry in a few seconds.")
        if request.path.startswith("/api/"):
            from consortium.api import problem

            return problem(503, "Service Unavailable", detail, headers=headers)  # titles: the HTTP phrase
        title, heading = _("Unavailable"), _("Temporarily unavailable")
        page = (f"<!doctype html><html lang=\"{current_language()}\"><head><meta charset=\"utf-8\">"
                f"<title>{escape(title)}</title></head>"
                f"<body><h1>{escape(heading)}</h1><p>{escape(detail)}</p></body></html>")
    return Response(page, status=503, mimetype="text/html", headers=headers)


def language_without_database() -> str:
    """The request's language, chosen without the database (which is down): the language kept in the session
    cookie, else the browser's Accept-Language, else the consortium's. A signed-in user's own choice is
    in the database and is not read here; their browser's language usually matches it."""
    default = current_app.config["CONSORTIUM_LANGUAGE"]
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default=default) or default
