"""Document exporters (e-invoices).

Each exporter module exposes ``exporter``, an :class:`Exporter` registered under the
``consortium.exporters`` entry-point group; exporters are pure functions of an
:class:`plugins.exporters.model.EInvoice` and know nothing of Flask or the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plugins.exporters.model import EInvoice

ENTRY_POINT_GROUP = "consortium.exporters"


class EInvoiceError(ValueError):
    """An e-invoice cannot be emitted; ``problems`` lists every reason, each naming its rule or field."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("e-invoice refused: " + "; ".join(self.problems))


@dataclass(frozen=True)
class Exporter:
    """An e-invoice format: how to name, label and render a document in it."""

    code: str
    media_type: str
    file_extension: str
    render: Callable[[EInvoice], bytes]


def load_exporters() -> dict[str, Exporter]:
    """Return the installed exporters by code, as declared in the entry-point group."""
    found = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        exporter = entry_point.load()
        found[exporter.code] = exporter
    return found
