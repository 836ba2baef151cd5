"""List tools for every list page: search, sort by column, filters, a date range and pages, kept in the URL.

A view describes its list once and hands it its rows, either a SELECT (searched, sorted, counted and cut in
SQL) or a list already read through a feature's service (done in Python):

    listing = lists.Listing(
        search=[Customer.name, Customer.vat_number],            # columns, or one function row -> text
        sorts={"name": Customer.name, "terms": Customer.payment_terms_days},  # whitelisted; columns or functions
        default_sort="name",
        filters={"type": {"school": ("School", Customer.customer_type == "school")}},  # value -> (label, condition)
        date=Invoice.issue_date,                                  # enables ?from=&to= (ISO dates)
    ).apply(db.session, service.customers_query())

The query string: `q` (search, at most 100 characters), `sort` (a key of `sorts`, else the default), `dir`
(`asc`/`desc`, else the column's default), `page` and `per` (whole numbers: 400 naming the argument when not,
see `consortium.fields.query_int`), one argument per filter (a value not offered: 400 naming it and the
values offered) and `from`/`to` (an ISO date, 400 naming it when not).
Templates draw it with `list_toolbar`, `sort_th` and `pager` from
`macros.html`; a table with sortable headings sits in `{% call sortable(listing) %}`, which puts a Sort by form
before it for a phone, where the table reads as cards and its headings are hidden.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import abort, current_app, request, url_for
from sqlalchemy import Select, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from consortium.fields import query_int
from consortium.i18n import _

PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
MAX_SEARCH = 100
MAX_PAGE = 100_000


def _is_sql(thing) -> bool:
    return isinstance(thing, ColumnElement) or hasattr(thing, "__clause_element__")


def _query_date(name: str) -> dt.date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        abort(400, _("%(name)s: must be a date written as YYYY-MM-DD.", name=name))


@dataclass
class Listing:
    """How one list page may be searched, sorted and filtered; `apply` reads the request and returns a `Page`."""

    sorts: dict[str, object]
    default_sort: str
    search: Iterable | Callable | None = None
    filters: dict[str, dict[str, tuple]] = field(default_factory=dict)
    date: object | None = None
    date_is_timestamp: bool = False  # `date` is a UTC timestamp: the range is whole days in the consortium's zone
    descending: Iterable[str] = ()  # sort keys whose first click sorts newest / largest first
    default_desc: bool = False
    page_size: int = DEFAULT_PAGE_SIZE
    # The list's own page when another view draws it (a refused form POSTed to its own URL with the list's state
    # in the query string): links then lead back to the list, not to the form's URL.
    endpoint: str | None = None

    def read_state(self) -> dict:
        args = request.args
        sort = args.get("sort", "")
        if sort not in self.sorts:
            sort = self.default_sort
        direction = args.get("dir", "")
        if direction not in ("asc", "desc"):
            desc = self.default_desc if sort == self.default_sort else sort in set(self.descending)
        else:
            desc = direction == "desc"
        chosen = {}
        for name, options in self.filters.items():
            value = args.get(name, "")
            if value in options:
                chosen[name] = value
            elif value:
                abort(400, _("%(name)s: must be one of %(values)s.", name=name, values=", ".join(options)))
        date_from, date_to = (_query_date("from"), _query_date("to")) if self.date is not None else (None, None)
        return {"q": args.get("q", "").strip()[:MAX_SEARCH], "sort": sort, "desc": desc, "filters": chosen,
                "date_from": date_from, "date_to": date_to,
                "page": query_int("page", 1, maximum=MAX_PAGE),
                "per": query_int("per", self.page_size, maximum=max(PAGE_SIZES))}

    def apply(self, session, rows) -> Page:
        """Search, filter, sort and cut `rows` (a SELECT run in `session`, or a list) as the URL asks."""
        state = self.read_state()
        if isinstance(rows, Select):
            return self._apply_sql(session, rows, state)
        return self._apply_rows(list(rows), state)

    def _apply_sql(self, session, query: Select, state: dict) -> Page:
        if state["q"] and self.search:
            needle = state["q"].lower()
            query = query.where(or_(*[func.lower(func.coalesce(column, "")).contains(needle, autoescape=True)
                                      for column in self.search]))
        for name, value in state["filters"].items():
            query = query.where(self.filters[name][value][1])
        if state["date_from"] is not None:
            query = query.where(self.date >= self._bound(state["date_from"]))
        if state["date_to"] is not None:
            if self.date_is_timestamp:
                query = query.where(self.date < self._bound(state["date_to"] + dt.timedelta(days=1)))
            else:
                query = query.where(self.date <= state["date_to"])
        # the count keeps the query's execution options (all_tenants): a subquery's do not reach the outer statement
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())
                               .execution_options(**query.get_execution_options()))
        column = self.sorts[state["sort"]]
        order = column.desc() if state["desc"] else column.asc()
        # The SELECT's own order stays behind the chosen column, so equal values keep a stable order.
        query = query.order_by(None).order_by(order, *query._order_by_clauses)
        page, pages = _clamp(state["page"], total, state["per"])
        rows = session.scalars(query.limit(state["per"]).offset((page - 1) * state["per"])).all()
        return Page(self, state, list(rows), total, page, pages)

    def _bound(self, day: dt.date):
        if not self.date_is_timestamp:
            return day
        zone = ZoneInfo(current_app.config["CONSORTIUM_TIMEZONE"])
        return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)

    def _apply_rows(self, rows: list, state: dict) -> Page:
        if state["q"] and self.search:
            needle = state["q"].casefold()
            text_of = self.search
            rows = [row for row in rows if needle in str(text_of(row) or "").casefold()]
        for name, value in state["filters"].items():
            keep = self.filters[name][value][1]
            rows = [row for row in rows if keep(row)]
        if self.date is not None and (state["date_from"] or state["date_to"]):
            rows = [row for row in rows if self.date(row) is not None
                    and (state["date_from"] is None or self.date(row) >= state["date_from"])
                    and (state["date_to"] is None or self.date(row) <= state["date_to"])]
        key = self.sorts[state["sort"]]
        present = [row for row in rows if key(row) is not None]
        missing = [row for row in rows if key(row) is None]
        present.sort(key=lambda row: _sortable(key(row)), reverse=state["desc"])
        rows = present + missing  # rows without a value last, either way
        total = len(rows)
        page, pages = _clamp(state["page"], total, state["per"])
        start = (page - 1) * state["per"]
        return Page(self, state, rows[start:start + state["per"]], total, page, pages)


def request_state() -> dict:
    """The list's state as this request's query string holds it, for a link or redirect back to the list."""
    return {key: value for key, value in request.args.items() if value != "" and not key.startswith("_")}


def _sortable(value):
    return value.casefold() if isinstance(value, str) else value


def _clamp(page: int, total: int, per: int) -> tuple[int, int]:
    pages = max(1, math.ceil(total / per))
    return min(page, pages), pages


@dataclass
class Page:
    """One page of a list and the state it was read with; `url(...)` is this list's URL with some of it changed."""

    listing: Listing
    state: dict
    rows: list
    total: int
    page: int
    pages: int
    sort_options: dict = field(default_factory=dict)  # sort key -> its column's heading, as `sort_th` drew it

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    @property
    def q(self) -> str:
        return self.state["q"]

    @property
    def sort(self) -> str:
        return self.state["sort"]

    @property
    def desc(self) -> bool:
        return self.state["desc"]

    @property
    def per(self) -> int:
        return self.state["per"]

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per + 1 if self.total else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.total else 0

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.state["filters"] or self.state["date_from"] or self.state["date_to"])

    def filter_value(self, name: str) -> str:
        return self.state["filters"].get(name, "")

    def filter_options(self, name: str) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, (label, _condition) in self.listing.filters[name].items()]

    def args(self, **changes) -> dict:
        """The query string that shows this list now, with `changes` (None removes an argument); names starting
        with `_` are url_for's own (`_external`, `_scheme`) and never taken from the URL."""
        args = request_state()
        for key, value in changes.items():
            if value is None:
                args.pop(key, None)
            else:
                args[key] = value
        return args

    def _route(self) -> tuple[str, dict]:
        if self.listing.endpoint:
            return self.listing.endpoint, {}
        return request.endpoint, dict(request.view_args or {})

    def url(self, **changes) -> str:
        endpoint, view_args = self._route()
        return url_for(endpoint, **view_args, **self.args(**changes))

    def base_url(self) -> str:
        """This page without any query string (the toolbar's form sends its own)."""
        endpoint, view_args = self._route()
        return url_for(endpoint, **view_args)

    def clear_url(self) -> str:
        """The list without its search, filters and dates (sort and page size kept)."""
        endpoint, view_args = self._route()
        return url_for(endpoint, **view_args, **dict(self.hidden_state()))

    def sort_url(self, key: str) -> str:
        """Sort by `key`; the column already sorted turns round. Back to page 1."""
        if key == self.sort:
            direction = "asc" if self.desc else "desc"
        else:
            direction = "desc" if key in set(self.listing.descending) else "asc"
        return self.url(sort=key, dir=direction, page=None)

    def offer_sort(self, key: str, label: str) -> str:
        """Remember a sortable column's heading for the Sort by control of a phone (macro `sortable`); '' to draw."""
        self.sort_options[key] = label
        return ""

    def aria_sort(self, key: str) -> str:
        if key != self.sort:
            return "none"
        return "descending" if self.desc else "ascending"

    def hidden_state(self) -> list[tuple[str, str]]:
        """The arguments the toolbar form does not show (sort, page size, the page's own such as `all=1`),
        so searching keeps them; the page goes back to 1."""
        shown = {"q", "page", "from", "to", *self.listing.filters}
        return [(name, value) for name, value in request.args.items() if name not in shown and value != ""]
