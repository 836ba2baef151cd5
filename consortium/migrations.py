"""The schema's migrations (Alembic, through Flask-Migrate), loaded only when one runs: a `flask db ...` command
or `upgrade()`. A web worker never imports Alembic (about 11 MB of its memory, issue 16)."""

from pathlib import Path

import click
from flask import Flask, current_app

DIRECTORY = Path(__file__).resolve().parent.parent / "migrations"


def init(app: Flask) -> None:
    """Attach Flask-Migrate to `app` (once): `app.extensions["migrate"]`, which migrations/env.py reads."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        from consortium.extensions import db

        Migrate(app, db, directory=str(DIRECTORY))


def upgrade(revision: str = "head") -> None:
    """Bring the current app's database to `revision` (Flask-Migrate's `upgrade`)."""
    from flask_migrate import upgrade as migrate_upgrade

    init(current_app)
    migrate_upgrade(revision=revision)


class MigrationCommands(click.Group):
    """`flask db ...`: Flask-Migrate's command group, imported when it is asked for, which then parses and runs."""

    def __init__(self, app: Flask):
        super().__init__("db", help="Database migrations (Flask-Migrate: upgrade, downgrade, current, ...).")
        self.app = app

    def _commands(self) -> click.Group:
        from flask_migrate.cli import db as commands

        init(self.app)
        return commands

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        return self._commands().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context):
        return ctx.command.invoke(ctx)

    def list_commands(self, ctx) -> list[str]:
        return self._commands().list_commands(ctx)

    def get_command(self, ctx, name: str):
        return self._commands().get_command(ctx, name)
