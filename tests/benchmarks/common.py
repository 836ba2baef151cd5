"""Pieces every API benchmark needs: a fresh migrated database (PostgreSQL when a test server answers, else
SQLite) and the median timing of a repeated call."""

import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import PostgresTestDatabase, postgres_available


@contextmanager
def benchmark_database():
    """(kind, app config, URL that may bulk-insert past RLS) for a fresh migrated database.

    PostgreSQL when a test server answers, unless BENCH_DATABASE=sqlite; otherwise a temporary SQLite file.
    """
    if os.environ.get("BENCH_DATABASE") != "sqlite" and postgres_available():
        database = PostgresTestDatabase()
        database.create()
        try:
            config = {"SQLALCHEMY_DATABASE_URI": database.url(database.app_role),
                      "MIGRATION_DATABASE_URL": database.url(database.owner), "APP_DB_ROLE": database.app_role}
            # the server's superuser bypasses row-level security, as a bulk load by a DBA would
            yield "postgresql", config, database.base.set(database=database.name).render_as_string(False)
        finally:
            database.drop()
    else:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            yield "sqlite", {"SQLALCHEMY_DATABASE_URI": url}, url


def median_ms(action, runs: int) -> float:
    """Median wall time of `action()` in milliseconds, after one warm-up call."""
    action()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)
