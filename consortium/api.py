"""API conventions: flask-smorest `Api`, RFC 7807 problems, SQL pagination, `Idempotency-Key`."""

import functools
import hashlib
import json
from http import HTTPStatus

import flask_smorest
import flask_smorest.pagination
import flask_smorest.response
import marshmallow as ma
from flask import Response, g, render_template, request
from flask_login import current_user
from flask_smorest import Page
from marshmallow import validate
from sqlalchemy import bindparam, func, select
from werkzeug.exceptions import HTTPException

from consortium.auth import is_api_request
from consortium.db import once_per_statement
from consortium.errors import ServiceError
from consortium.extensions import db
from consortium.fields import INT32_MAX, BoundedInt
from consortium.models import IdempotencyRecord
from consortium.validation_messages import translated

PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, detail: str | None = None, errors: dict | None = None,
            headers: dict | None = None) -> Response:
    """An RFC 7807 problem response; `errors` maps each field (or row) to its messages."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = translated(errors)
    response = Response(json.dumps(body, default=str), status=status, mimetype=PROBLEM_JSON)
    response.headers.update(headers or {})
    return response


def _flatten_locations(messages: dict) -> dict:
    """webargs nests errors by location ({"json": {...}}); callers want them by field."""
    flat = {}
    for location, errors in messages.items():
        if isinstance(errors, dict):
            flat.update(errors)
        else:
            flat[location] = errors
    return flat


def _summary(errors: dict) -> str:
    parts = []
    for field, messages in errors.items():
        text = "; ".join(m if isinstance(m, str) else json.dumps(m) for m in (messages if isinstance(messages, list)
                                                                          else [messages]))
        parts.append(f"{field}: {text}")
    return " | ".join(parts)


# One schema per set of bounds, shared by the routes that paginate alike (issue 16: each is a class and an instance).
@functools.cache
def _bounded_pagination_schema(def_page, def_page_size, def_max_page_size):
    """flask-smorest's pagination arguments, with `page` bounded too (?page=99999999999999999999 is a 422)."""

    class PaginationParametersSchema(ma.Schema):
        class Meta:
            unknown = ma.EXCLUDE

        page = BoundedInt(load_default=def_page, validate=validate.Range(min=1, max=INT32_MAX))
        page_size = BoundedInt(load_default=def_page_size, validate=validate.Range(min=1, max=def_max_page_size))

        @ma.post_load
        def make_paginator(self, data, **kwargs):
            return flask_smorest.pagination.PaginationParameters(**data)

    # An instance, not the class: webargs makes a new schema from a class on every request (issue 16).
    return PaginationParametersSchema()


def _pagination_metadata(page: int, page_size: int, item_count: int) -> dict:
    """flask-smorest's pagination metadata (`PaginationMixin._make_pagination_metadata`), without the
    `PaginationMetadataSchema` it built on every request to dump these integers as they are (issue 16)."""
    metadata = {"total": item_count}
    if item_count == 0:
        metadata["total_pages"] = 0
        return metadata
    page_count = (item_count - 1) // page_size + 1
    metadata.update(total_pages=page_count, first_page=1, last_page=page_count)
    if page <= page_count:
        metadata["page"] = page
        if page > 1:
            metadata["previous_page"] = page - 1
        if page < page_count:
            metadata["next_page"] = page + 1
    return metadata


# flask-smorest builds this schema in `Blueprint.paginate` from a module-level factory and offers no
# setting for it; features import consortium.api before declaring routes, so every paginated route gets it.
flask_smorest.pagination._pagination_parameters_schema_factory = _bounded_pagination_schema
# Its documented override point for the metadata (a method of every Blueprint).
flask_smorest.pagination.PaginationMixin._make_pagination_metadata = staticmethod(_pagination_metadata)



@functools.cache
def _shared_schema(schema_class: type) -> ma.Schema:
    return schema_class()


def _resolve_response_schema(schema):
    """`@blp.response(200, SomeSchema)` with a class: one instance per class, whichever routes answer with it
    (flask-smorest makes one per route, each with its own deep copy of the declared fields: issue 16)."""
    return _shared_schema(schema) if isinstance(schema, type) else schema


flask_smorest.response.resolve_schema_instance = _resolve_response_schema
# flask-smorest deep-copies a view's doc dictionary in every decorator and again when the route is registered, and
# with it the schema instances it holds: each route kept several copies of its schemas and their fields. A schema
# is not changed once built (a Nested field takes a copy of its own), so a deep copy shares it (issue 16).
ma.Schema.__deepcopy__ = lambda self, memo: self

# X-Pagination carries the metadata as a JSON text in a header: a header's value is a string, so the
# spec says so (declaring the object schema directly made every paginated response "not match its spec").
PAGINATION_HEADER = {
    "description": "Pagination metadata, a JSON object as text: total, total_pages, first_page, last_page, page, "
                   "previous_page, next_page (integers; previous/next only when they exist).",
    "schema": {"type": "string", "example": '{"total": 42, "total_pages": 5, "first_page": 1, "last_page": 5, '
                                            '"page": 2, "previous_page": 1, "next_page": 3}'},
}


def rollback_before_rendering() -> None:
    """Error pages render templates that may query (the navigation, the user): never on an aborted transaction."""
    db.session.rollback()


class ProblemSchema(ma.Schema):
    """An RFC 7807 problem, as every error of the API is answered (application/problem+json)."""

    type = ma.fields.Str(metadata={"example": "about:blank"})
    title = ma.fields.Str(metadata={"description": "the HTTP status phrase", "example": "Unprocessable Entity"})
    status = ma.fields.Int(metadata={"example": 422})
    detail = ma.fields.Str(metadata={"description": "what went wrong, in a sentence naming the fields"})
    errors = ma.fields.Dict(keys=ma.fields.Str(), values=ma.fields.Raw(), metadata={
        "description": "messages by field (a list of texts), or by row then field for uploads"})


class Api(flask_smorest.Api):
    """flask-smorest's Api answering errors as RFC 7807 problems (and as pages off the API)."""

    ERROR_SCHEMA = ProblemSchema()  # an instance: apispec would make one per error response from the class

    def _register_pagination_header(self):
        self.spec.components.header("PAGINATION", PAGINATION_HEADER, lazy=True)

    def _register_responses(self):
        """flask-smorest's error responses, declared as what they are: problems in application/problem+json."""
        for status in HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["content"] = {PROBLEM_JSON: {"schema": self.ERROR_SCHEMA}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response("DEFAULT_ERROR", {
            "description": "An error, as an RFC 7807 problem", "content": {PROBLEM_JSON: {"schema": self.ERROR_SCHEMA}},
        }, lazy=True)

    def handle_http_exception(self, error: HTTPException):
        rollback_before_rendering()
        if not is_api_request():
            return render_template("error.html", error=error), error.code
        data = getattr(error, "data", {}) or {}
        errors = translated(_flatten_locations(data.get("messages", {})) if "messages" in data else data.get("errors"))
        detail = data.get("message") or (error.description if error.description != type(error).description
                                         else None)
        if errors and not detail:
            detail = _summary(errors)
        return problem(error.code or 500, error.name, detail, errors, data.get("headers"))


def handle_service_error(error: ServiceError):
    """Turn a refused business rule into a problem (API) or an error page (web)."""
    rollback_before_rendering()
    if is_api_request():
        return problem(error.status, HTTPStatus(error.status).phrase, error.message, error.errors or None)
    return render_template("error.html", error=error, message=error.message), error.status


def handle_validation_error(error: ma.ValidationError):
    """A marshmallow error raised by a service: 422 naming each field."""
    errors = translated(error.messages if isinstance(error.messages, dict) else {"_schema": error.messages})
    return handle_service_error(ServiceError(_summary(errors), errors))


# Built once per collection statement (the hot lists' services build theirs once, with `functools.lru_cache`):
# the page size and offset are bind parameters, the tenant is the ORM filter's, given at execution (issue 16).
@once_per_statement
def _page_statements(collection):
    """(the page's SELECT, its COUNT) of `collection`."""
    page = collection.limit(bindparam("page_size")).offset(bindparam("page_offset"))
    # Keep an explicit cross-tenant read explicit for the count as well.
    count = (select(func.count()).select_from(collection.order_by(None).subquery())
             .execution_options(**collection.get_execution_options()))
    return page, count


class SQLPage(Page):
    """Pages a SQLAlchemy SELECT with LIMIT/OFFSET and a COUNT (tenant filter applies to both): objects for a
    SELECT of one entity, rows for a SELECT of columns."""

    @property
    def items(self):
        page, _count = _page_statements(self.collection)
        result = db.session.execute(page, {"page_size": self.page_params.page_size,
                                           "page_offset": self.page_params.first_item})
        # one key: an entity (or one column); the statement's column_descriptions cost a quarter of a
        # millisecond to build for a list of columns (issue 16)
        return (result.scalars() if len(result.keys()) == 1 else result).all()

    @property
    def item_count(self):
        _page, count = _page_statements(self.collection)
        return db.session.scalar(count)


# --- Idempotency-Key -------------------------------------------------------------------------


def _request_fingerprint() -> str:
    """Hash of method, path and raw body; taken before any form parsing consumes the body."""
    if "request_fingerprint" in g:
        return g.request_fingerprint
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b" " + request.path.encode() + b"\n")
    digest.update(request.get_data(cache=True))  # werkzeug parses forms from this cached copy later
    g.request_fingerprint = digest.hexdigest()
    return g.request_fingerprint


def _idempotency_key() -> str | None:
    if request.method != "POST" or not is_api_request() or not current_user.is_authenticated:
        return None
    key = request.headers.get("Idempotency-Key", "").strip()
    return key[:200] or None


def replay_idempotent_response():
    """before_request: answer a retried POST with the response stored for its key."""
    key = _idempotency_key()
    if key is None:
        return None
    record = db.session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.user_id == current_user.id, IdempotencyRecord.key == key)
    )
    if record is None:
        g.idempotency_key = key
        _request_fingerprint()
        return None
    if record.request_hash != _request_fingerprint():
        return problem(422, HTTPStatus(422).phrase,
                       "Idempotency-Key was already used for a different request.",
                       {"Idempotency-Key": ["already used for a different request"]})
    response = Response(record.response_body, status=record.status_code, content_type=record.content_type)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def remember_idempotent_response(response: Response) -> None:
    """Store a successful POST's response under its key, in the request's own transaction."""
    key = g.pop("idempotency_key", None)
    if key is None or not 200 <= response.status_code < 300 or response.direct_passthrough:
        return
    db.session.add(
        IdempotencyRecord(
            user_id=current_user.id,
            key=key,
            request_hash=_request_fingerprint(),
            status_code=response.status_code,
            response_body=response.get_data(as_text=True),
            content_type=response.content_type or "application/json",
        )
    )
