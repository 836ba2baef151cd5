"""Profile one endpoint of the HTTP benchmark in-process with pyinstrument, and count its SQL statements.

  .venv/bin/python -m tests.benchmarks.profile_http "invoice list" [requests]

Builds a small benchmark database (BENCH_COOPS, default 20 co-ops), sends the endpoint `requests` times
(default 300) through the Flask test client as the benchmark's user, and prints pyinstrument's summary and
the statements one request runs (the scope statements apart).
"""

import random
import sys

from pyinstrument import Profiler
from sqlalchemy import create_engine, event

from consortium.app import create_app
from consortium.extensions import db
from consortium.tenancy import is_scope_statement
from tests.benchmarks.bench_http import ENDPOINTS, ISSUING, DraftPool, draft_ids, endpoint_path, load, make_users
from tests.conftest import TEST_SETTINGS, PostgresTestDatabase


def small_app(database, drafts: int = 1000):
    """The app on a migrated test database with 20 co-ops of bench_http's data (co-ops 1, 2 and 3 the treasurer's,
    `drafts` drafts in co-op 3): the app, the users' tokens and the pool of drafts."""
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database.url(database.app_role),
                      "MIGRATION_DATABASE_URL": database.url(database.owner), "APP_DB_ROLE": database.app_role})
    with app.app_context():
        from consortium.migrations import upgrade

        upgrade()
    admin = create_engine(database.base.set(database=database.name))
    tokens = make_users(app)
    load(admin, [1, 2], random.Random(16), tokens["treasurer_id"])
    with admin.begin() as connection:
        for tenant_id in (1, 2):
            connection.exec_driver_sql("INSERT INTO role_assignments (user_id, role, tenant_id) "
                                       "VALUES (%s, 'treasurer', %s)", (tokens["treasurer_id"], tenant_id))
    pool = DraftPool(draft_ids(20, drafts))
    load(admin, range(3, 21), random.Random(17), tokens["treasurer_id"], drafts=pool.ids)
    with admin.begin() as connection:
        connection.exec_driver_sql("INSERT INTO role_assignments (user_id, role, tenant_id) "
                                   "VALUES (%s, 'treasurer', %s)", (tokens["treasurer_id"], ISSUING))
    admin.dispose()
    return app, tokens, pool


def main(name: str, count: int) -> None:
    endpoint = next(e for e in ENDPOINTS if e[0] == name)
    _, who, method, path, body = endpoint
    database = PostgresTestDatabase()
    database.create()
    try:
        app, tokens, pool = small_app(database, drafts=count + 2)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {tokens[who]}"}

        def send():
            response = client.open(endpoint_path(path, pool), method=method, json=body, headers=headers)
            assert response.status_code in (200, 201), response.get_data(as_text=True)

        with app.app_context():
            engine = db.engine
        statements = []
        listener = lambda conn, cursor, sql, *args: statements.append(sql)  # noqa: E731
        send()
        event.listen(engine, "before_cursor_execute", listener)
        send()
        event.remove(engine, "before_cursor_execute", listener)
        data = [s for s in statements if not is_scope_statement(s)]
        print(f"\n{name}: {len(data)} statements per request ({len(statements) - len(data)} scope statements)")
        for sql in data:
            print("  ", " ".join(sql.split())[:160])
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(count):
            send()
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        with app.app_context():
            db.engine.dispose()
    finally:
        database.drop()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300)
