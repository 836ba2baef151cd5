"""CPU time and statements per request of the HTTP benchmark's endpoints, project and baseline, in-process (issue 16).

  .venv/bin/python -m tests.benchmarks.cpu_http [requests]

On a shared, loaded machine wrk's req/s swing with the neighbours' load; the CPU time this process spends
per request (time.process_time: the app's own work, the database's excluded) and the statements it sends
move far less. Builds a small benchmark database (20 co-ops, as profile_http does), sends each endpoint of
bench_http.ENDPOINTS `requests` times (default 200) through the Flask test client of the project and of the
baseline app (tests/benchmarks/http_baseline.py, same database, same app role), after 20 warm-up requests each,
the two apps taking turns request by request so both see the same load, and prints per endpoint the median CPU
ms and wall ms per request of each, the baseline's CPU over the project's (the throughput ratio CPU-bound
workers would show, to set beside bench_http's req/s ratios and their 0.6 target), and the statements per request
(scope statements apart).
"""

import importlib
import os
import statistics
import sys
import time

from sqlalchemy import event

from consortium.extensions import db
from consortium.tenancy import is_scope_statement
from tests.benchmarks.bench_http import ENDPOINTS, endpoint_path
from tests.benchmarks.profile_http import small_app
from tests.conftest import PostgresTestDatabase


def baseline_app(database):
    """The baseline app (tests/benchmarks/http_baseline.py) on `database`, as the app role, and its engine."""
    os.environ["BASELINE_DATABASE_URL"] = database.url(database.app_role)
    os.environ["BASELINE_READER_ROLE"] = database.reader_role
    baseline = importlib.import_module("tests.benchmarks.http_baseline")
    return baseline.app, baseline.engine


def statements_of(engine, send) -> tuple[int, int]:
    """(data statements, scope statements) that one `send()` runs on `engine`."""
    statements = []
    listener = lambda conn, cursor, sql, *args: statements.append(sql)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    send()
    event.remove(engine, "before_cursor_execute", listener)
    scope = sum(1 for sql in statements if is_scope_statement(sql))
    return len(statements) - scope, scope


def sender(client, method: str, path: str, body, headers: dict, pool):
    """A function sending one request of the endpoint through `client` (an issue: the next draft of `pool`)."""
    def send():
        response = client.open(endpoint_path(path, pool), method=method, json=body, headers=headers)
        assert response.status_code in (200, 201), response.get_data(as_text=True)
    return send


def main(count: int) -> None:
    database = PostgresTestDatabase()
    database.create()
    try:
        app, tokens, pool = small_app(database, drafts=2 * (count + 22))
        with app.app_context():
            engine = db.engine
        base_app, base_engine = baseline_app(database)
        apps = {"project": (app.test_client(), engine), "baseline": (base_app.test_client(), base_engine)}
        print(f"{'endpoint':26} {'CPU ms project/base':>20} {'ratio':>6} {'wall ms project/base':>21} "
              f"{'statements':>11} {'scope':>6}")
        for name, who, method, path, body in ENDPOINTS:
            headers = {"Authorization": f"Bearer {tokens[who]}"}

            senders = {label: sender(client, method, path, body, headers, pool) for label, (client, _) in apps.items()}
            for send in senders.values():
                for _ in range(20):
                    send()
            counts = {label: statements_of(apps[label][1], send) for label, send in senders.items()}
            cpu, wall = {label: [] for label in senders}, {label: [] for label in senders}
            for _ in range(count):
                for label, send in senders.items():
                    started_cpu, started = time.process_time(), time.perf_counter()
                    send()
                    cpu[label].append(time.process_time() - started_cpu)
                    wall[label].append(time.perf_counter() - started)
            ms = {label: (statistics.median(cpu[label]) * 1000, statistics.median(wall[label]) * 1000)
                  for label in senders}
            (ours, our_wall), (theirs, their_wall) = ms["project"], ms["baseline"]
            print(f"{name:26} {ours:9.2f}/{theirs:<10.2f} {theirs / ours:6.2f} {our_wall:10.2f}/{their_wall:<10.2f} "
                  f"{counts['project'][0]:5d}/{counts['baseline'][0]:<5d} {counts['project'][1]:3d}/"
                  f"{counts['baseline'][1]:<2d}")
        with app.app_context():
            db.engine.dispose()
        base_engine.dispose()
    finally:
        database.drop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
