"""The app factory: `create_app(config)` built from small `register_*` steps."""

import importlib
from pathlib import Path

import marshmallow as ma
from flask import Flask, abort, g
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import configure_mappers

from consortium import audit, i18n, outage, tenancy
from consortium.api import (
    Api,
    handle_service_error,
    handle_validation_error,
    problem,
    remember_idempotent_response,
    replay_idempotent_response,
)
from consortium.auth import ApiPrincipal, require_login
from consortium.config import INSTANCE_DIR, Config
from consortium.errors import ServiceError
from consortium.extensions import csrf, db, limiter, login_manager
from consortium.fields import register_fields
from consortium.openapi import LazySpecApi
from consortium.security import register_security

ROOT = Path(__file__).resolve().parent.parent

# Every feature package exposes `register(app, api)`; this list is the only place they are named.
FEATURES = [
    "consortium.directory",
    "consortium.notifications",
    "tenants.members",
    "tenants.invoicing",
    "tenants.accounts",
    "tenants.payroll",
    "tenants.training",
    "shared_services.mutual_fund",
    "shared_services.incubation",
    "shared_services.training",
    "shared_services.tendering",
    "shared_services.purchasing",
    "shared_services.reporting",
]


def create_app(config: dict | None = None) -> Flask:
    """Build the application; tests pass `config` overrides."""
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_object(Config)
    app.config.update(config or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    api = register_extensions(app)
    register_security(app)
    register_request_scope(app)
    register_error_handlers(app)
    register_shell(app)
    register_features(app, api)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> Api:
    db.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "shell.login"
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app, FEATURES)
    api = LazySpecApi(app)
    register_fields(app, api)  # before any route: the bounded `int` converter, decimal strings in the spec
    app.extensions["consortium_api"] = api
    return api


def register_shell(app: Flask) -> None:
    from consortium import health, views

    app.register_blueprint(views.blp)
    app.register_blueprint(health.blp)


def register_features(app: Flask, api: Api) -> None:
    for name in FEATURES:
        importlib.import_module(name).register(app, api)
    # The ORM configures its mappers on the first query otherwise: in each gunicorn worker, about 6 MB apiece.
    # Done here, in the preloaded master, the workers share it (issue 16: 4 to 6 MB less PSS a worker).
    configure_mappers()
    for blueprint in app.blueprints.values():
        if (blueprint.url_prefix or "").startswith("/api/"):
            csrf.exempt(blueprint)  # the API takes bearer tokens only, never the session cookie


def register_cli(app: Flask) -> None:
    from consortium import cli

    cli.register(app)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(ma.ValidationError, handle_validation_error)
    for error in outage.DATABASE_ERRORS:
        app.register_error_handler(error, outage.database_unavailable)


def register_request_scope(app: Flask) -> None:
    """Each request: who acts, which tenant the URL names (checked against their roles), one transaction."""

    @app.url_value_preprocessor
    def take_tenant_slug(endpoint, values):
        if values and "slug" in values:
            g.tenant_slug = values.pop("slug")

    @app.url_defaults
    def add_tenant_slug(endpoint, values):
        if "slug" not in values and g.get("tenant") is not None and app.url_map.is_endpoint_expecting(
            endpoint, "slug"
        ):
            values["slug"] = g.tenant.slug

    @app.before_request
    def load_scope():
        if current_user.is_authenticated:
            db.session.info[audit.ACTOR_KEY] = current_user.id
        slug = g.get("tenant_slug")
        if slug is None:
            return None
        refused = require_login()
        if refused is not None:
            return refused
        # The co-op comes with the user's roles (loaded with the user): one they hold no role in, or one that
        # does not exist, is not found alike.
        principal = current_user._get_current_object()
        if isinstance(principal, ApiPrincipal):  # the API's principal came with the co-op the URL names
            tenant = principal.tenant
        else:
            tenant = next((role.tenant for role in principal.roles
                           if role.tenant is not None and role.tenant.slug == slug), None)
        if tenant is None:
            abort(404)
        g.tenant = tenant
        tenancy.set_tenant(db.session, tenant.id)
        return None

    app.before_request(replay_idempotent_response)

    @app.after_request
    def finish_transaction(response):
        if response.status_code >= 400:
            db.session.rollback()
            return response
        remember_idempotent_response(response)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return problem(409, "Conflict", "The request conflicts with a concurrent change; retry it.")
        except outage.DATABASE_ERRORS as error:
            return outage.database_unavailable(error)
        outage.note_database_up()
        return response

