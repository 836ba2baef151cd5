"""Worker memory of the project and the bare baseline, served as bench_http serves them (issue 16).

  .venv/bin/python -m tests.benchmarks.memory_http [requests]

Builds profile_http's small database (20 co-ops), serves both apps with gunicorn.conf.py (GUNICORN_WORKERS
workers, default 2) as bench_http does, and prints each worker's RSS and PSS (/proc/<pid>/status VmRSS,
/proc/<pid>/smaps_rollup Pss) and the master's, once the workers answer and again after every endpoint of
bench_http.ENDPOINTS was sent `requests` times (default 200) from 8 threads. RSS counts pages a worker shares
with the master (a preloaded app) in every worker; PSS splits them, so the sum of the PSS is what the machine
spends. Quicker than bench_http, and what a memory change is measured with.
"""

import os
import secrets
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from consortium.extensions import db
from tests.benchmarks.bench_http import ENDPOINTS, Server, endpoint_path
from tests.benchmarks.profile_http import small_app
from tests.conftest import PostgresTestDatabase


def _figure(pid: int, path: str, key: str) -> float:
    return next(int(line.split()[1]) for line in Path(f"/proc/{pid}/{path}").read_text().splitlines()
                if line.startswith(key)) / 1024


def memory(server: Server) -> str:
    """'RSS/PSS' MB of each worker, then of the master."""
    pids = [int(pid) for pid in server._workers()] + [server.process.pid]
    return "  ".join(f"{_figure(pid, 'status', 'VmRSS:'):.0f}/{_figure(pid, 'smaps_rollup', 'Pss:'):.0f}"
                     for pid in pids)


def load(server: Server, tokens: dict, pool, count: int) -> None:
    """Each endpoint `count` times from 8 threads; every answer must succeed."""
    with ThreadPoolExecutor(8) as threads:
        for _name, who, method, path, body in ENDPOINTS:
            headers = {"Authorization": f"Bearer {tokens[who]}"}
            paths = [endpoint_path(path, pool) for _ in range(count)]

            def send(target):
                response = requests.request(method, server.url + target, json=body, headers=headers,  # noqa: B023
                                            timeout=60)
                assert response.status_code in (200, 201), (target, response.text[:300])

            list(threads.map(send, paths))


def main(count: int) -> None:
    database = PostgresTestDatabase()
    database.create()
    servers = []
    try:
        app, tokens, pool = small_app(database, drafts=2 * count + 10)
        with app.app_context():
            db.engine.dispose()
        log_dir = Path(tempfile.mkdtemp(prefix="bench-memory-"))
        app_url = database.url(database.app_role)
        env = {"DATABASE_URL": app_url, "APP_DB_ROLE": database.app_role, "SECRET_KEY": secrets.token_hex(32),
               "BASELINE_DATABASE_URL": app_url, "BASELINE_READER_ROLE": database.reader_role,
               "RATELIMIT_STORAGE_URI": f"sqlitefile:///{log_dir / 'ratelimit.sqlite3'}",
               "GUNICORN_WORKERS": os.environ.get("GUNICORN_WORKERS", "2")}
        servers = [Server("project", "wsgi:app", env, log_dir),
                   Server("baseline", "tests.benchmarks.http_baseline:app", env, log_dir)]
        for server in servers:
            server.wait_ready()
        print("RSS/PSS MB of each worker, then the master's")
        for server in servers:
            print(f"{server.name:9} started:            {memory(server)}")
        for server in servers:
            load(server, tokens, pool, count)
            print(f"{server.name:9} after {count} x {len(ENDPOINTS)} requests: {memory(server)}")
    finally:
        for server in servers:
            server.stop()
        database.drop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
