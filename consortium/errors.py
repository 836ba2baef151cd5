"""Errors services raise; the web and API layers turn them into pages and RFC 7807 problems."""


class ServiceError(Exception):
    """A business rule refused the request; `errors` maps field names to messages."""

    status = 422

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(ServiceError):
    """The object does not exist in the caller's scope (another tenant's object included)."""

    status = 404


class Conflict(ServiceError):
    """The request clashes with the current state (a duplicate, an already issued document...)."""

    status = 409


def field_error(field: str, message: str) -> ServiceError:
    """A ServiceError about one field, its message also used as the summary."""
    return ServiceError(f"{field}: {message}", {field: [message]})
