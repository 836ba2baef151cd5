"""Messages of the UK payroll rule pack, in English with their Italian in ``translations/``."""

from pathlib import Path

from plugins.jurisdictions.base import LocalText

CATALOGUE = Path(__file__).resolve().parent / "translations"


def _t(msgid: str, **params) -> LocalText:
    """A message for a person: English now, Italian through ``LocalText.in_language("it")``."""
    return LocalText(msgid, CATALOGUE, **params)
