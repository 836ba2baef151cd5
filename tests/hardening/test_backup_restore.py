"""A backup is only as good as its restore: dump a demo database with pg_dump, restore it into a new
database with pg_restore, and compare every table's row count and a checksum of a few tables' contents;
then the app runs on the restored database. The commands are the ones docs/production.md gives."""

import shutil
import subprocess

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from consortium.app import create_app
from consortium.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from consortium.extensions import db
from tests.conftest import PG_ADMIN_URL, TEST_SETTINGS

# Whole contents, row by row in key order: a restore that lost, added or changed one value differs.
CHECKSUMMED = ["tenants", "users", "role_assignments", "members", "invoices", "invoice_lines", "audit_log"]


def libpq_url(database: str) -> str:
    return make_url(PG_ADMIN_URL).set(drivername="postgresql", database=database).render_as_string(
        hide_password=False)


def table_fingerprints(url: str) -> dict[str, tuple[int, str | None]]:
    """Each table's row count, and for CHECKSUMMED tables the md5 of all its rows in primary-key order."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = sorted(inspect(connection).get_table_names())
            result = {}
            for table in tables:
                count = connection.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar()
                digest = None
                if table in CHECKSUMMED:
                    keys = inspect(connection).get_pk_constraint(table)["constrained_columns"]
                    order = ", ".join(f't."{k}"' for k in keys)
                    digest = connection.exec_driver_sql(
                        f'SELECT md5(coalesce(string_agg(t::text, \'|\' ORDER BY {order}), \'\')) FROM "{table}" t'
                    ).scalar()
                result[table] = (count, digest)
            return result
    finally:
        engine.dispose()


@pytest.fixture
def demo_database(app, database):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("pg_dump and pg_restore back up PostgreSQL")
        if not shutil.which("pg_dump"):
            pytest.skip("pg_dump is not installed")
        load_demo(db.session)
        db.session.commit()
        db.session.remove()
    return database["TEST_PG"]


def test_a_dumped_demo_database_restores_into_a_new_one_with_the_same_rows(demo_database, tmp_path):
    pg = demo_database
    dump = tmp_path / "consortium.dump"
    restored = f"{pg.name}_restored"
    # Run as a superuser (or a role with BYPASSRLS): row-level security would hide rows from anyone else.
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", libpq_url(pg.name)], check=True, timeout=120)
    with pg.admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {restored} OWNER {pg.owner}")
    try:
        subprocess.run(["pg_restore", "--exit-on-error", "--no-owner", f"--role={pg.owner}",
                        f"--dbname={libpq_url(restored)}", str(dump)], check=True, timeout=120,
                       capture_output=True)
        original, copy = table_fingerprints(libpq_url(pg.name)), table_fingerprints(libpq_url(restored))
        assert original.keys() == copy.keys()
        assert original == copy
        assert original["invoices"][0] > 0 and original["members"][0] > 0 and original["audit_log"][0] > 0

        # The app, connected as its own role, works on the restored copy: RLS, grants and the schema came back.
        url = make_url(pg.url(pg.app_role)).set(database=restored).render_as_string(hide_password=False)
        restored_app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": url})
        client = restored_app.test_client()
        assert client.get("/healthz?scope=web").status_code == 200
        token = client.post("/api/v1/auth/token", json={"email": DEMO_USERS["treasurer"]["email"],
                                                         "password": DEMO_PASSWORD})
        assert token.status_code == 201
        with restored_app.app_context():
            db.engine.dispose()
    finally:
        with pg.admin.connect() as connection:
            connection.exec_driver_sql(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{restored}'")
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {restored}")
