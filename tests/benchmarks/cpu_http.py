"""CPU time and statements per request of the HTTP benchmark's endpoints, in-process (issue 16).

  .venv/bin/python -m tests.benchmarks.cpu_http [requests]

On a shared, loaded machine wrk's req/s swing with the neighbours' load; the CPU time this process spends
per request (time.process_time: the app's own work, the database's excluded) and the statements it sends
move far less. Builds a small benchmark database (20 co-ops, as profile_http does), sends each endpoint of
bench_http.ENDPOINTS `requests` times (default 200) through the Flask test client after 20 warm-up requests,
and prints CPU ms and wall ms per request and the statements per request (scope statements apart).
"""

import statistics
import sys
import time

from sqlalchemy import event

from consortium.extensions import db
from consortium.tenancy import is_scope_statement
from tests.benchmarks.bench_http import ENDPOINTS, endpoint_path
from tests.benchmarks.profile_http import small_app
from tests.conftest import PostgresTestDatabase


def main(count: int) -> None:
    database = PostgresTestDatabase()
    database.create()
    try:
        app, tokens, pool = small_app(database, drafts=count + 21)
        client = app.test_client()
        with app.app_context():
            engine = db.engine
        print(f"{'endpoint':26} {'CPU ms':>7} {'wall ms':>8} {'statements':>10} {'scope':>6}")
        for name, who, method, path, body in ENDPOINTS:
            headers = {"Authorization": f"Bearer {tokens[who]}"}

            def send():
                response = client.open(endpoint_path(path, pool), method=method, json=body,  # noqa: B023
                                       headers=headers)  # noqa: B023
                assert response.status_code in (200, 201), response.get_data(as_text=True)

            for _ in range(20):
                send()
            statements = []
            listener = lambda conn, cursor, sql, *args: statements.append(sql)  # noqa: E731, B023
            event.listen(engine, "before_cursor_execute", listener)
            send()
            event.remove(engine, "before_cursor_execute", listener)
            scope = sum(1 for sql in statements if is_scope_statement(sql))
            cpu, wall = [], []
            for _ in range(count):
                started_cpu, started = time.process_time(), time.perf_counter()
                send()
                cpu.append(time.process_time() - started_cpu)
                wall.append(time.perf_counter() - started)
            print(f"{name:26} {statistics.median(cpu) * 1000:7.2f} {statistics.median(wall) * 1000:8.2f} "
                  f"{len(statements) - scope:10d} {scope:6d}")
        with app.app_context():
            db.engine.dispose()
    finally:
        database.drop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
