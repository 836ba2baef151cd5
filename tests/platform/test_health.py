"""`/healthz` knows the newest migration without Alembic (which a web worker would otherwise import for it):
the heads read from the revision files are Alembic's own, and a merge of two branches is one head."""

import sys

from alembic.config import Config
from alembic.script import ScriptDirectory

from consortium import health


def test_the_heads_read_from_the_files_are_alembics():
    config = Config()
    config.set_main_option("script_location", str(health.MIGRATIONS))
    assert health.migration_heads() == frozenset(ScriptDirectory.from_config(config).get_heads())


def test_two_branches_and_their_merge(tmp_path, monkeypatch):
    versions = tmp_path / "versions"
    versions.mkdir()
    for name, follows in (("0001_a", None), ("0002_b", "0001_a"), ("0002_c", "0001_a"),
                          ("0003_merge", ("0002_b", "0002_c"))):
        (versions / f"{name}.py").write_text(f'revision = "{name}"\ndown_revision: str | None = {follows!r}\n')
    monkeypatch.setattr(health, "MIGRATIONS", tmp_path)
    health.migration_heads.cache_clear()
    try:
        assert health.migration_heads() == {"0003_merge"}
        (versions / "0003_merge.py").unlink()
        health.migration_heads.cache_clear()
        assert health.migration_heads() == {"0002_b", "0002_c"}
    finally:
        health.migration_heads.cache_clear()


BUILD_AND_LIST = """
import sys
from consortium.app import create_app
create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 32})
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
"""


# What only some requests or commands need, loaded where it is used (issue 16: not in every worker's memory): a
# migration Alembic, a PDF or chart reportlab, a workbook openpyxl, an e-invoice lxml and saxonche, choosing a
# password zxcvbn (12 MB of word lists), fetching tender notices requests, validating an OCDS package jsonschema_rs.
LOADED_WHERE_USED = {"alembic", "flask_migrate", "reportlab", "openpyxl", "lxml", "saxonche", "zxcvbn", "requests",
                     "jsonschema_rs"}


def test_a_started_app_has_imported_nothing_only_some_requests_need():
    import subprocess

    loaded = subprocess.run([sys.executable, "-c", BUILD_AND_LIST], capture_output=True, text=True,
                            check=True).stdout.split()
    assert not LOADED_WHERE_USED & set(loaded), LOADED_WHERE_USED & set(loaded)


# Modules of packages a started app does import, loaded only by the command or request that needs them: the
# scheduler process's runner and APScheduler's schedulers and job stores (`flask scheduler`).
MODULES_LOADED_WHERE_USED = {"consortium.scheduler", "apscheduler.schedulers", "apscheduler.jobstores"}


def test_a_started_app_has_imported_no_module_only_some_commands_need():
    import subprocess

    script = BUILD_AND_LIST.replace('name.split(".")[0] for name in', "name for name in")
    loaded = set(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                check=True).stdout.split())
    assert "consortium.app" in loaded and not MODULES_LOADED_WHERE_USED & loaded, MODULES_LOADED_WHERE_USED & loaded


def test_flask_db_upgrade_runs_through_the_lazy_group(tmp_path):
    """`flask db upgrade` works as Flask-Migrate's own command does, its options included: the schema is at the
    newest migration, and `db downgrade -d <directory>` takes it one step back."""
    import sqlite3

    from consortium.app import create_app

    database = tmp_path / "cli.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "x" * 32, "TESTING": True})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with sqlite3.connect(database) as connection:
        assert {row[0] for row in connection.execute("SELECT version_num FROM alembic_version")} == \
            health.migration_heads()
    assert runner.invoke(args=["db", "downgrade", "-d", str(health.MIGRATIONS)]).exit_code == 0
    with sqlite3.connect(database) as connection:
        (back,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert back not in health.migration_heads()


def test_downgrade_to_base_and_upgrade_again_on_sqlite(tmp_path):
    """Every migration goes back on SQLite too: the check constraints a batch downgrade drops are named as they
    were created (`op.f`), not given the naming convention's prefix a second time (0010, 0011 and 0012 failed)."""
    import sqlite3

    from consortium.app import create_app

    database = tmp_path / "down.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "x" * 32, "TESTING": True})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    down = runner.invoke(args=["db", "downgrade", "base"])
    assert down.exit_code == 0, down.exception
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == {"alembic_version"}, tables
        assert connection.execute("SELECT count(*) FROM alembic_version").fetchone() == (0,)
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with sqlite3.connect(database) as connection:
        assert {row[0] for row in connection.execute("SELECT version_num FROM alembic_version")} == \
            health.migration_heads()


def test_the_e_invoice_checks_of_an_issue_load_no_reportlab():
    """Issuing checks the invoice's e-invoices (tenants.invoicing.einvoices), which needs no PDF: a worker that
    issues or shows an invoice does not load reportlab and its fonts (12 MB) for it."""
    import subprocess

    script = BUILD_AND_LIST.replace("print(", "import tenants.invoicing.einvoices\nprint(")
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert "tenants" in loaded and "reportlab" not in loaded


def test_the_openapi_spec_is_written_when_first_read_and_is_flask_smorests(monkeypatch):
    """A started app has documented no route yet (issue 16: the spec's dictionaries are not in every worker); the
    spec it serves once asked is, byte for byte, the one flask-smorest builds while the blueprints register."""
    from consortium import app as app_module
    from consortium.api import Api

    settings = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 32, "TESTING": True}
    lazy = app_module.create_app(settings)
    api = lazy.extensions["consortium_api"]
    assert api._undocumented and not api._spec._paths
    served = lazy.test_client().get("/api/v1/openapi.json")
    assert served.status_code == 200 and not api._undocumented
    monkeypatch.setattr(app_module, "LazySpecApi", Api)
    eager = app_module.create_app(settings)
    assert not hasattr(eager.extensions["consortium_api"], "_undocumented")
    assert served.data == eager.test_client().get("/api/v1/openapi.json").data
    assert len(served.json["paths"]) > 100


def test_routes_share_their_schema_instances():
    """A response schema class has one instance whichever routes answer with it, and flask-smorest's copies of
    a route's doc share it (issue 16: a started app held 598 schema instances of 123 classes, 7,611 fields)."""
    import gc

    import marshmallow as ma

    from consortium.app import create_app
    from tenants.invoicing.schemas import InvoiceSchema

    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 32})
    gc.collect()
    instances = [o for o in gc.get_objects() if isinstance(o, ma.Schema)]
    assert len([o for o in instances if type(o) is InvoiceSchema and not o.many]) <= 2
    assert len(instances) < 250, len(instances)
