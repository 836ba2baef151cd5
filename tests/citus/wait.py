"""Wait until every node of the Citus cluster in TEST_CITUS_URL answers, before the Citus pass starts.

`python -m tests.citus.wait [seconds]` (the Makefile runs it before the pass): the coordinator must accept a
connection, and each node it lists in `pg_dist_node` must answer both directly and through the coordinator
(`run_command_on_workers`, the path the tests' queries take), within `seconds` (60 by default). It exits 1 naming
the node that did not, so a worker that is down shows as one clear message instead of a test error on every test.
"""

import os
import sys
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def _query(url, sql: str) -> list:
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as c:
            return c.execute(text(sql)).all()
    finally:
        engine.dispose()


def problems(url) -> list[str]:
    """What does not answer yet (empty: the cluster is ready)."""
    try:
        nodes = _query(url, "SELECT nodename, nodeport FROM pg_dist_node WHERE isactive")
        through = _query(url, "SELECT nodename, nodeport, success, result FROM run_command_on_workers('SELECT 1')")
    except Exception as error:  # any failure is "not ready yet", reported at the end
        return [f"the coordinator {url.host}:{url.port}: {str(error).splitlines()[0]}"]
    found = []
    for host, port in nodes:
        try:
            _query(url.set(host=host, port=port), "SELECT 1")
        except Exception as error:
            found.append(f"node {host}:{port}: {str(error).splitlines()[0]}")
    found += [f"node {host}:{port} through the coordinator: {result}" for host, port, ok, result in through if not ok]
    if not any(port != url.port for _, port in nodes):
        found.append("the coordinator lists no worker (citus_add_node)")
    return found


def main(seconds: float = 60) -> int:
    raw = os.environ.get("TEST_CITUS_URL")
    if not raw:
        print("TEST_CITUS_URL is not set: no Citus cluster to wait for")
        return 0
    url = make_url(raw).set(drivername="postgresql+psycopg")
    deadline = time.monotonic() + seconds
    while found := problems(url):
        if time.monotonic() > deadline:
            print(f"the Citus cluster at {raw} is not ready after {seconds:.0f} s:", *found, sep="\n  ")
            return 1
        time.sleep(1)
    print(f"the Citus cluster at {raw} answers on every node")
    return 0


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 60))
