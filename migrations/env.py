"""Alembic environment: migrations run as the tables' owner (MIGRATION_DATABASE_URL), then, on Citus, place the new
tables on the cluster (consortium.citus), then grant the app's role and the consortium reader what the models
declare (consortium.rls)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine

from consortium import citus
from consortium.rls import apply_database_roles, consortium_reader_role, table_declarations

config = context.config
# Keep the app's own loggers working when migrations run inside a live process (tests, tools).
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")
target_db = current_app.extensions["migrate"].db


def owner_engine():
    url = current_app.config.get("MIGRATION_DATABASE_URL")
    return create_engine(url) if url else target_db.engine


def run_migrations_online():
    def skip_empty_autogenerate(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty_autogenerate)
    engine = owner_engine()
    with engine.connect() as connection:
        conf_args["render_as_batch"] = connection.dialect.name == "sqlite"
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        models = table_declarations(target_db.metadata, target_db.Model.registry)
        on_citus = citus.is_citus(connection)
        connection.rollback()  # end the query's transaction so Alembic's own begins (and commits) the revisions
        with context.begin_transaction():
            citus.prepare_migrations(connection)
            context.run_migrations()
            citus.place_tables(connection, target_db.metadata, models)
            if not on_citus:
                grant(connection, models)
        if on_citus:  # the shards the migrations made must be committed before grants reach each of them
            with connection.begin():
                grant(connection, models)
            with connection.begin():  # the column grants on the shards, once the grants above are committed
                citus.grant_on_placements(connection)


def grant(connection, models):
    app_role = current_app.config.get("APP_DB_ROLE")
    if app_role and connection.dialect.name == "postgresql":
        apply_database_roles(connection, app_role, consortium_reader_role(current_app.config), models)


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run `flask --app wsgi db upgrade`.")
run_migrations_online()
