"""Today's date where the consortium is (timestamps are stored in UTC; dates are local calendar dates)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from consortium.config import Config


def local_today() -> date:
    """Today's date in the consortium's time zone; outside an app (a script, a test's own arithmetic) the
    configured default, so both sides agree on the date in the hours when UTC and local dates differ."""
    name = current_app.config["CONSORTIUM_TIMEZONE"] if has_app_context() else Config.CONSORTIUM_TIMEZONE
    zone = ZoneInfo(name)
    return datetime.now(zone).date()
