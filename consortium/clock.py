"""Today's date where the consortium is (timestamps are stored in UTC; dates are local calendar dates)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def local_today() -> date:
    """Today's date in the consortium's time zone."""
    zone = ZoneInfo(current_app.config["CONSORTIUM_TIMEZONE"]) if has_app_context() else UTC
    return datetime.now(zone).date()
