"""Command-line tools: `flask --app wsgi demo-data`, `create-user`, `db ...` (migrations)."""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from consortium.directory import service as directory
from consortium.extensions import db
from consortium.i18n import _, feature_catalogue
from consortium.migrations import MigrationCommands
from consortium.models import ALL_ROLES, Tenant, User


def register(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    app.cli.add_command(demo_data_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(translations_command)
    app.cli.add_command(MigrationCommands(app))


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduled jobs in this process (next to the web server) until Ctrl+C or SIGTERM."""
    # APScheduler and the runner are loaded by this command only, not by every web worker (issue 16).
    from consortium.scheduler import JobStoreMissing, run_scheduler

    try:
        run_scheduler(current_app._get_current_object())
    except JobStoreMissing as error:
        raise click.ClickException(str(error)) from error


@click.command("demo-data")
@click.option("--force", is_flag=True, help="Add the demo even though the database already holds data.")
@click.option("--if-empty", is_flag=True, help="Do nothing (successfully) when the database already holds data.")
@with_appcontext
def demo_data_command(force: bool, if_empty: bool) -> None:
    """Fill an empty database with a demo consortium (co-ops, members, users)."""
    from consortium.demo import load_demo

    holds_data = db.session.scalar(select(func.count(Tenant.id))) or db.session.scalar(select(func.count(User.id)))
    if holds_data and not force:
        if if_empty:
            click.echo(_("The database already holds data; demo data not loaded."))
            return
        raise click.ClickException(_("The database already holds data. Refusing to add demo data; use --force."))
    summary = load_demo(db.session)
    db.session.commit()
    click.echo(summary)


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", "roles", multiple=True, type=click.Choice(ALL_ROLES),
              help="A consortium role, or ROLE with --tenant for a co-op role. Repeatable.")
@click.option("--tenant", "tenant_slug", default=None, help="Co-op slug for co-op roles.")
@with_appcontext
def create_user_command(email, name, password, roles, tenant_slug) -> None:
    """Create a user who can log in at once."""
    from consortium.errors import ServiceError
    from consortium.tenancy import set_consortium_scope

    set_consortium_scope(db.session, True)
    role_rows = [{"role": role, "tenant": tenant_slug if role not in ("consortium_admin", "consortium_staff")
                  else None} for role in roles]
    try:
        # the directory's own words, as its pages write them (not whichever catalogue the plain merge puts last)
        with feature_catalogue(directory.__name__):
            user, _invitation = directory.create_user(db.session, {"email": email, "name": name, "password": password,
                                                         "roles": role_rows})
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    from consortium.views import role_label

    click.echo(_("Created %(email)s with roles: %(roles)s", email=user.email,
                 roles=", ".join(role_label(role) for role in roles) or _("none")))


@click.command("translations")
@click.argument("packages", nargs=-1)
def translations_command(packages) -> None:
    """Bring each package's Italian catalogue up to date with its marked strings (all packages by default)."""
    from consortium.app import FEATURES
    from consortium.i18n import update_catalogue

    for package in packages or ["consortium", *FEATURES]:
        missing = update_catalogue(package, FEATURES)
        click.echo(f"{package}: {len(missing)} untranslated" + "".join(f"\n  {m!r}" for m in missing))
