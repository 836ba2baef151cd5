"""Where a worker's memory goes: the Python allocations of the project and of the baseline, by package (issue 16).

  .venv/bin/python -m tests.benchmarks.memory_profile [requests]

Builds profile_http's small database (20 co-ops), then in a fresh interpreter for each app (the project's
`wsgi`-built app, the baseline's `tests.benchmarks.http_baseline`) traces every allocation (tracemalloc) while
the app is built and while it serves each endpoint of bench_http.ENDPOINTS `requests` times (default 20) through
the test client, and prints what is still held, by the package whose code allocated it: after the build, what
serving added, and the project's excess over the baseline. Code objects and module dictionaries show as
`<frozen importlib ...>`: the importing machinery allocates them. tracemalloc sees Python's allocations only
(not C libraries' own): memory_http prints the RSS these come to.
"""

import json
import os
import subprocess
import sys
import tracemalloc
from collections import Counter

STDLIB = os.path.dirname(os.__file__) + "/"


def package(filename: str) -> str:
    """The package a traced allocation's code belongs to: a site-package, 'stdlib', a project folder."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/")[0].removesuffix(".py")
    if filename.startswith(STDLIB):
        return "stdlib"
    if filename.startswith(os.getcwd() + "/"):
        return filename[len(os.getcwd()) + 1:].split("/")[0]
    return filename


def held_by_package(snapshot) -> Counter:
    """The bytes `snapshot` holds, by package."""
    sizes = Counter()
    for stat in snapshot.statistics("filename"):
        sizes[package(stat.traceback[0].filename)] += stat.size
    return sizes


def child(which: str) -> None:
    """In a fresh interpreter, tracing from its first import: build `which` app, send the requests the parent
    listed, print the sizes held once built and once served as JSON."""
    setup = json.loads(os.environ["MEMORY_PROFILE"])
    tracemalloc.start()
    if which == "project":
        from consortium.app import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": setup["url"], "APP_DB_ROLE": setup["role"],
                          "SECRET_KEY": "memory-profile", "RATELIMIT_STORAGE_URI": "memory://"})
    else:
        from tests.benchmarks.http_baseline import app
    built = held_by_package(tracemalloc.take_snapshot())
    client = app.test_client()
    for method, path, body, token in setup["requests"]:
        response = client.open(path, method=method, json=body, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code in (200, 201), response.get_data(as_text=True)[:300]
    print(json.dumps({"built": built, "served": held_by_package(tracemalloc.take_snapshot())}))


def main(count: int) -> None:
    from consortium.extensions import db
    from tests.benchmarks.bench_http import ENDPOINTS, endpoint_path
    from tests.benchmarks.profile_http import small_app
    from tests.conftest import PostgresTestDatabase

    database = PostgresTestDatabase()
    database.create()
    try:
        app, tokens, pool = small_app(database, drafts=2 * count + 2)
        with app.app_context():
            db.engine.dispose()
        figures = {}
        for which in ("project", "baseline"):
            setup = {"url": database.url(database.app_role), "role": database.app_role,
                     "requests": [(method, endpoint_path(path, pool), body, tokens[who])
                                  for _name, who, method, path, body in ENDPOINTS for _ in range(count)]}
            env = {**os.environ, "MEMORY_PROFILE": json.dumps(setup, default=str),
                   "BASELINE_DATABASE_URL": setup["url"], "BASELINE_READER_ROLE": database.reader_role}
            output = subprocess.run([sys.executable, "-m", "tests.benchmarks.memory_profile", "--child", which],
                                    env=env, capture_output=True, text=True, check=True).stdout
            figures[which] = json.loads(output.strip().splitlines()[-1])
        report(figures)
    finally:
        database.drop()


def report(figures: dict) -> None:
    mb = 1024 * 1024
    rows = set().union(*(figures[w][stage] for w in figures for stage in ("built", "served")))

    def size(which, stage, name):
        return figures[which][stage].get(name, 0) / mb

    excess = {name: size("project", "served", name) - size("baseline", "served", name) for name in rows}
    print(f"{'package':38} {'project built/served':>21} {'baseline built/served':>22} {'excess':>7}  (MB)")
    for name in sorted(rows, key=lambda n: -excess[n])[:25]:
        print(f"{name[:38]:38} {size('project', 'built', name):10.2f}/{size('project', 'served', name):<10.2f} "
              f"{size('baseline', 'built', name):10.2f}/{size('baseline', 'served', name):<11.2f} {excess[name]:7.2f}")
    totals = {w: (sum(figures[w]["built"].values()) / mb, sum(figures[w]["served"].values()) / mb) for w in figures}
    print(f"{'all':38} {totals['project'][0]:10.2f}/{totals['project'][1]:<10.2f} "
          f"{totals['baseline'][0]:10.2f}/{totals['baseline'][1]:<11.2f} "
          f"{totals['project'][1] - totals['baseline'][1]:7.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
