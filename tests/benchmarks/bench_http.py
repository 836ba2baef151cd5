"""The hot paths over HTTP, under load, against a bare Flask app in the same run (issue 16).

Both apps are served by gunicorn with the project's settings (gunicorn.conf.py: threaded workers), connect to
the same PostgreSQL database as the same app role (row-level security applies to both), and answer the same
endpoints with byte-identical JSON (checked before any load). The baseline (tests/benchmarks/http_baseline.py)
is Flask and SQLAlchemy Core with hand-written SQL, one query for token + roles + co-ops and the same `SET
LOCAL` scope statements. `wrk` (Debian's, `make bench` installs it when missing) drives each endpoint for
BENCH_SECONDS at 8 and 32 connections, project and baseline interleaved (the order alternates per round),
BENCH_ROUNDS rounds; each figure is the median over the rounds.

Data (COPY, as a restore would): BENCH_COOPS co-ops (default 1,000, at least 3) with 200 invoices each (co-op 2 has
ten times as many), 100 members each and three years of mutual-fund contributions, and a pool of drafts in co-op 3
for the issue endpoint: each wrk run walks its own slice of it (BENCH_SECONDS x BENCH_ISSUE_RATE drafts, default
800 a second), so every request issues a different draft; a wrk thread that reaches the end of its share stops, and
a run that used up its slice is reported as a missed target (wrk would under-state its req/s). The invoice list is
also measured on the nearly empty database (co-ops 1 and 2 only) before the rest is loaded.

Targets (ratios of medians): reads >= 0.6 of the baseline's req/s and p99 < 3x the baseline's; the writes >= 0.5;
zero errors; full / empty database within 1.2x; the 10x co-op within 1.3x of a normal one; worker RSS after
load < 1.5x the baseline's.

Run: make bench, or .venv/bin/python -m pytest tests/benchmarks/bench_http.py -q -s -p no:xdist -o addopts=''
  smaller: BENCH_COOPS=100 BENCH_SECONDS=3 BENCH_ROUNDS=2 (the same, quicker, on a busy machine)
Skipped when no PostgreSQL server answers or wrk is missing.
"""

import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine

from consortium.app import create_app
from consortium.clock import local_today
from consortium.extensions import db
from consortium.tenancy import consortium_scope
from plugins.jurisdictions.base import get_jurisdiction
from tenants.invoicing.service import line_amounts
from tests.benchmarks.bench_invoicing import CUSTOMERS_PER_COOP, INVOICES_PER_COOP, LINE_COLUMNS, bulk_load
from tests.conftest import TEST_SETTINGS, PostgresTestDatabase, postgres_available

ROOT = Path(__file__).resolve().parents[2]
COOPS = int(os.environ.get("BENCH_COOPS", 1000))
SECONDS = int(os.environ.get("BENCH_SECONDS", 10))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
CONNECTIONS = tuple(int(c) for c in os.environ.get("BENCH_CONNECTIONS", "8,32").split(","))
ISSUE_RATE = int(os.environ.get("BENCH_ISSUE_RATE", 800))  # drafts set aside per second of each issue run
MEMBERS_PER_COOP = 100
BIG = 10  # co-op 2 has this many times the invoices of the others
ISSUING = 3  # the co-op whose drafts are issued (its own list is not measured)
YEARS = (2023, 2024, 2025)
TARGET = {"read_ratio": 0.6, "p99_ratio": 3.0, "write_ratio": 0.5, "full_empty": 1.2, "big_normal": 1.3,
          "rss_ratio": 1.5}
D = Decimal

TREASURER, STAFF = "bench.treasurer@example.test", "bench.staff@example.test"
# name, token, method, path, body: the endpoints the issue names
ENDPOINTS = [
    ("invoice list", "treasurer", "GET", "/api/v1/t/bench-0001/invoices?page_size=50", None),
    ("one invoice", "treasurer", "GET", "/api/v1/t/bench-0001/invoices/150", None),
    ("members list", "treasurer", "GET", "/api/v1/t/bench-0001/members?page_size=50", None),
    ("contributions (co-op)", "treasurer", "GET", "/api/v1/t/bench-0001/contributions", None),
    ("contributions (staff)", "staff", "GET", "/api/v1/consortium/mutual-fund/contributions?page_size=50", None),
    ("lineage", "staff", "GET", "/api/v1/incubation/lineage", None),
    ("invoice list, 10x co-op", "treasurer", "GET", "/api/v1/t/bench-0002/invoices?page_size=50", None),
    ("create member", "treasurer", "POST", "/api/v1/t/bench-0002/members",
     {"name": "Bench New Member", "category": "worker", "joined_on": "2025-03-01"}),
    ("issue invoice", "treasurer", "POST", f"/api/v1/t/bench-{ISSUING:04d}/invoices/{{draft}}/issue", None),
]
WRITES = {"create member", "issue invoice"}

WRK_SCRIPT = """
wrk.method = os.getenv("WRK_METHOD")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("WRK_TOKEN")
local body = os.getenv("WRK_BODY")
if body ~= nil and #body > 0 then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
-- The issue endpoint: thread k of n sends drafts WRK_FIRST + k, + k + n, ... of the WRK_COUNT set aside for
-- this run, and stops when its share is used up (its last request, to an issued draft, is never counted).
local first, count = tonumber(os.getenv("WRK_FIRST") or ""), tonumber(os.getenv("WRK_COUNT") or "")
if first then
  local threads = 0
  setup = function(thread)
    thread:set("offset", threads)
    threads = threads + 1
  end
  local step, sent = tonumber(os.getenv("WRK_THREADS")), 0
  local prefix, suffix = os.getenv("WRK_PATH"):match("^(.*){draft}(.*)$")
  request = function()
    local index = offset + sent * step
    sent = sent + 1
    if index >= count then
      wrk.thread:stop()
      index = offset
    end
    return wrk.format(nil, prefix .. (first + index) .. suffix)
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"status_errors": %d, "socket_errors": %d}\\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
"""


# --- data --------------------------------------------------------------------------------------------

def _member_rows(ids, rng):
    first = ("Ada", "Bruno", "Carla", "Dario", "Elena", "Fabio", "Giulia", "Hassan", "Irene", "Jamal")
    last = ("Rossi", "Smith", "Bianchi", "Jones", "Ferrari", "Patel", "Russo", "Brown", "Romano", "Khan")
    for tenant_id in ids:
        for number in range(1, MEMBERS_PER_COOP + 1):
            category = rng.choice(["worker", "worker", "worker", "service_user", "volunteer"])
            joined = date(2015, 1, 1) + timedelta(days=rng.randint(0, 3000))
            left = joined + timedelta(days=900) if number % 9 == 0 else None
            shares = D(rng.choice(["25.00", "50.00", "250.00"]))
            yield (tenant_id, (tenant_id - 1) * MEMBERS_PER_COOP + number, f"{rng.choice(first)} {rng.choice(last)}",
                   category, None, None, joined, left, shares, shares, 1, category == "worker" and number % 7 == 0)


def _accounts_and_contribution_rows(ids, uploader_id):
    versions, contributions = [], []
    for tenant_id in ids:
        for offset, year in enumerate(YEARS):
            row_id = (tenant_id - 1) * len(YEARS) + offset + 1
            profit = D(1000 + (tenant_id * 37 + year) % 9000) + D("0.50")
            accepted = date(year + 1, 5, 20)
            versions.append((tenant_id, row_id, year, 1, "accepted", D("90000.00"), D("30000.00"), D("5000.00"),
                             D("0.00"), D("100000.00"), D("25000.00") - profit, D("0.00"), profit, D("0.00"),
                             D("0.00"), D("5000.00"), D("20000.00"), D("0.00"), D("0.00"), D("15000.00"), 0, "[]",
                             f"accounts-{year}.xlsx", "xlsx", 1, "0" * 64, b"x", uploader_id,
                             datetime(year + 1, 5, 1, tzinfo=UTC), datetime(year + 1, 5, 2, tzinfo=UTC), accepted,
                             date(year + 1, 4, 28)))
            amount = (profit * D("0.03")).quantize(D("0.01"))
            paid = amount if year < YEARS[-1] else D("0.00")
            contributions.append((tenant_id, row_id, year, row_id, profit, D("0.00"), D("0.00"), profit, D("0.0300"),
                                  D("0.00"), 1, amount, (profit * D("0.30")).quantize(D("0.01")), accepted,
                                  "approval", accepted + timedelta(days=60),
                                  f"3% of the base {profit} (net profit {profit}).", "EUR",
                                  f"FM-{year}-{tenant_id:04d}", D("0.00"), paid, "paid" if paid else "due",
                                  datetime(year + 1, 5, 20, tzinfo=UTC), date(year + 1, 4, 28)))
    return versions, contributions


VERSION_COLUMNS = ("tenant_id, id, year, version, status, turnover_public_contracts, turnover_private_fees, "
                   "turnover_grants_donations, turnover_other, staff_costs, other_costs, tax, net_profit, "
                   "prior_losses_covered, ristorni_from_profit, share_capital, reserves_indivisible, reserves_other, "
                   "loans, cash, trial_balance_accounts, warnings, filename, file_format, file_size, file_sha256, "
                   "file_data, uploaded_by_id, created_at, submitted_at, accepted_on, assembly_approved_on")
CONTRIBUTION_COLUMNS = ("tenant_id, id, year, accounts_version_id, net_profit, prior_losses_covered, ristorni, base, "
                        "rate, minimum, associations, amount, legal_reserve, approved_on, due_basis, due_date, "
                        "explanation, currency, reference, adjustments_total, paid_amount, status, created_at, "
                        "assembly_approved_on")
MEMBER_COLUMNS = ("tenant_id, id, name, category, email, tax_code, joined_on, left_on, shares_subscribed, shares_paid, "
                  "voting_rights, disadvantaged")


DRAFT_COLUMNS = ("tenant_id, id, kind, state, customer_id, issue_date, due_date, payment_terms_days, currency, "
                 "net_total, vat_total, gross_total, payable_total, amount_paid, amount_credited, split_payment, "
                 "created_at")


def _draft_tables(ids: range) -> list:
    """Drafts `ids` of co-op ISSUING, written three days ago with today's rates (bench_invoicing's two lines:
    care hours at the standard rate, a day centre exempt), as (table, columns, rows) for bulk_load."""
    today = local_today()
    drafted, uk = today - timedelta(days=3), get_jurisdiction("uk")
    items = [("Care week", D("12"), "HUR", D("21.50"), uk.vat_rate("standard", today)),
             ("Day centre", D("2"), "DAY", D("48.00"), uk.vat_rate("exempt", today))]
    amounts = [line_amounts(quantity, price, D("0.00"), category.rate) for _, quantity, _, price, category in items]
    net, vat = sum(a[0] for a in amounts), sum(a[1] for a in amounts)
    customer = (ISSUING - 1) * CUSTOMERS_PER_COOP + 3  # a company: no split payment
    invoices = [(ISSUING, invoice_id, "invoice", "draft", customer, drafted, drafted + timedelta(days=30), 30, "GBP",
                 net, vat, net + vat, net + vat, D("0.00"), D("0.00"), False,
                 datetime(drafted.year, drafted.month, drafted.day, tzinfo=UTC)) for invoice_id in ids]
    lines = [(ISSUING, invoice_id * 2 + position, invoice_id, position + 1, description, quantity, unit, price,
              D("0.00"), category.code, category.rate, category.exempt, category.natura, category.ubl_category,
              category.exemption_reason, line_net, line_vat)
             for invoice_id in ids
             for position, ((description, quantity, unit, price, category), (line_net, line_vat))
             in enumerate(zip(items, amounts, strict=True))]
    return [("invoices", DRAFT_COLUMNS, invoices), ("invoice_lines", LINE_COLUMNS, lines)]


def load(admin, ids, rng, uploader_id: int, per_coop: int = INVOICES_PER_COOP, drafts: range = range(0)) -> None:
    """COPY co-ops `ids` (bench_invoicing's invoices, members, accounts, contributions) and `drafts`."""
    versions, contributions = _accounts_and_contribution_rows(ids, uploader_id)
    bulk_load(admin, ids, rng, per_coop, extra=[("members", MEMBER_COLUMNS, _member_rows(ids, rng)),
                                                ("accounts_versions", VERSION_COLUMNS, versions),
                                                ("contributions", CONTRIBUTION_COLUMNS, contributions),
                                                *(_draft_tables(drafts) if drafts else [])])


def draft_ids(coops: int, count: int) -> range:
    """`count` invoice ids above every loaded invoice's (co-op n's run to n x 200, co-op 2's to 2,200); the
    lines take twice those ids, above every loaded line's."""
    first = max(coops, 1 + BIG) * INVOICES_PER_COOP + 1
    return range(first, first + count)


class DraftPool:
    """The drafts the issue endpoint walks: each run (and the identity check) takes a slice nothing issued."""

    def __init__(self, ids: range):
        self.ids, self.next = ids, ids.start

    def take(self, count: int) -> range:
        taken = range(self.next, self.next + count)
        if taken.stop > self.ids.stop:
            raise RuntimeError(f"the pool of {len(self.ids)} drafts is used up")
        self.next = taken.stop
        return taken


def make_users(app) -> dict[str, str]:
    """The staff user and the treasurer (given co-ops 1 and 2 once they are loaded; the uploader of every
    co-op's accounts), with their tokens."""
    from consortium.auth import issue_api_token
    from consortium.directory import service as directory

    with app.app_context(), consortium_scope(db.session):
        password = secrets.token_urlsafe(12)
        staff, _ = directory.create_user(db.session, {"email": STAFF, "name": "Bench Staff", "password": password,
                                                   "roles": [{"role": "consortium_staff"}]})
        treasurer, _ = directory.create_user(db.session, {"email": TREASURER, "name": "Bench Treasurer",
                                                       "password": password, "roles": []})
        tokens = {"staff": issue_api_token(db.session, staff)[0],
                  "treasurer": issue_api_token(db.session, treasurer)[0], "treasurer_id": treasurer.id}
        db.session.commit()
        return tokens


# --- servers -----------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One gunicorn serving `target` with the project's gunicorn.conf.py."""

    def __init__(self, name: str, target: str, env: dict, log_dir: Path):
        self.name, self.port = name, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log_dir / f"{name}.log", "w")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "--access-logfile",
             "/dev/null", target],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
            env={**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"})

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log.name}")
            try:
                requests.get(self.url + "/api/v1/incubation/lineage", timeout=10)
                return
            except requests.RequestException:  # not listening yet, or its workers still booting
                time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not answer within {timeout} s")

    def _workers(self) -> list[str]:
        return Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self._workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def worker_pss_mb(self) -> list[float]:
        """Each worker's proportional set size: its own pages plus its share of those it shares (with the
        master, when the app is preloaded), which RSS counts whole in every worker."""
        sizes = []
        for pid in self._workers():
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def endpoint_path(path: str, pool: DraftPool | None) -> str:
    """The path to request: an issue endpoint's with the next draft of `pool`."""
    return path.format(draft=pool.take(1).start) if "{draft}" in path else path


def check_identical(project: Server, baseline: Server, tokens: dict, pool: DraftPool, admin) -> None:
    """Every endpoint answers both apps with the same status, bytes and X-Pagination (a write: all but the id,
    and for an issue the number; the rows an issue writes, compared in the database, differ in nothing else)."""
    for name, who, method, path, body in ENDPOINTS:
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        answers = [requests.request(method, server.url + endpoint_path(path, pool), json=body, headers=headers,
                                    timeout=30) for server in (project, baseline)]
        ours, theirs = answers
        assert ours.status_code == theirs.status_code and ours.status_code in (200, 201), (name, ours.text[:500],
                                                                                         theirs.text[:500])
        if name in WRITES:
            mine, other = ours.json(), theirs.json()
            assert mine.pop("id") != other.pop("id") and mine.pop("number", 1) != other.pop("number", 2), name
            assert mine == other, (name, mine, other)
            masked = [response.text.replace(str(response.json()["id"]), "").replace(response.json().get(
                "number") or "\0", "") for response in answers]
            assert masked[0] == masked[1], (name, masked)
            if name == "issue invoice":
                check_same_issue(admin, ours.json()["id"], theirs.json()["id"])
        else:
            assert ours.content == theirs.content, f"{name}: the two apps answer different JSON\n{ours.text[:800]}\n" \
                                                   f"{theirs.text[:800]}"
            assert ours.headers.get("X-Pagination") == theirs.headers.get("X-Pagination"), name


ISSUE_VARIES = {"id", "sequence", "number", "issued_at", "object_id", "at", "invoice_id"}


def check_same_issue(admin, ours: int, theirs: int) -> None:
    """The two drafts' rows after each app issued one: the invoice, its lines, its audit entries and the outbox
    rows of the co-op, equal but for ids, number and time of issue (consecutive numbers)."""
    def written(invoice_id):
        with admin.connect() as connection:
            rows = [connection.exec_driver_sql(sql, (ISSUING, key)).mappings().all() for sql, key in (
                ("SELECT * FROM invoices WHERE tenant_id = %s AND id = %s", invoice_id),
                ("SELECT * FROM invoice_lines WHERE tenant_id = %s AND invoice_id = %s ORDER BY position", invoice_id),
                ("SELECT * FROM audit_log WHERE tenant_id = %s AND object_id = %s AND object_type = 'Invoice' "
                 "ORDER BY id", str(invoice_id)),
                ("SELECT * FROM outbox_messages WHERE tenant_id = %s AND dedupe_key = %s",
                 f"invoice-issued:{ISSUING}:{invoice_id}"))]
        sequence = rows[0][0]["sequence"]
        masked = [[{key: value for key, value in row.items() if key not in ISSUE_VARIES} for row in table]
                  for table in rows]
        for entry in masked[2]:
            entry["changes"] = {key: value for key, value in entry["changes"].items() if key not in ISSUE_VARIES}
        return sequence, masked

    (our_number, our_rows), (their_number, their_rows) = written(ours), written(theirs)
    assert their_number == our_number + 1, (our_number, their_number)
    assert our_rows == their_rows, (our_rows, their_rows)
    assert len(our_rows[2]) == 1 and our_rows[2][0]["changes"]["state"] == ["draft", "issued"], our_rows[2]


def wrk(server: Server, token: str, method: str, path: str, body, connections: int, seconds: int,
        script: Path, pool: DraftPool | None = None) -> dict:
    threads = min(2, connections)
    env = {**os.environ, "WRK_METHOD": method, "WRK_TOKEN": token, "WRK_BODY": json.dumps(body) if body else "",
           "WRK_THREADS": str(threads), "WRK_PATH": path}
    if "{draft}" in path:
        drafts = pool.take(seconds * ISSUE_RATE)
        env.update(WRK_FIRST=str(drafts.start), WRK_COUNT=str(len(drafts)))
    url = server.url + path.partition("{draft}")[0]  # the script sends each draft's own path
    done = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
                           "-s", str(script), url], env=env, capture_output=True, text=True, check=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("WRKJSON "))
    raw = json.loads(line.removeprefix("WRKJSON "))
    # wrk times the whole run even when its threads stopped early, so a run that used up its drafts
    # would under-state req/s: it is reported as a missed target instead.
    ran_out = "{draft}" in path and raw["requests"] >= len(drafts) - connections
    if ran_out:
        print(f"  {server.name} {path} at {connections}: used up its {len(drafts)} drafts (raise BENCH_ISSUE_RATE)")
    return {"rps": raw["requests"] / (raw["duration_us"] / 1e6), "p50_ms": raw["p50_us"] / 1000,
            "p99_ms": raw["p99_us"] / 1000, "errors": raw["status_errors"] + raw["socket_errors"],
            "ran_out": ran_out}


def drive(servers: dict, tokens: dict, endpoints, connections, rounds: int, seconds: int, script: Path,
          pool: DraftPool | None = None) -> dict:
    """Interleaved runs: for each round, endpoint and connection count, both apps one after the other (the
    order alternating per round); per (endpoint, connections, app) the median req/s, p50 and p99 and the
    sum of errors over the rounds."""
    samples: dict = {}
    for round_number in range(rounds):
        order = list(servers) if round_number % 2 == 0 else list(reversed(servers))
        for name, who, method, path, body in endpoints:
            for conns in connections:
                for app_name in order:
                    samples.setdefault((name, conns, app_name), []).append(
                        wrk(servers[app_name], tokens[who], method, path, body, conns, seconds, script, pool))
    return {key: {"rps": statistics.median(r["rps"] for r in runs),
                  "p50_ms": statistics.median(r["p50_ms"] for r in runs),
                  "p99_ms": statistics.median(r["p99_ms"] for r in runs),
                  "errors": sum(r["errors"] for r in runs), "ran_out": any(r["ran_out"] for r in runs),
                  "runs": len(runs)}
            for key, runs in samples.items()}


def ratio(ours: float, theirs: float) -> float:
    """ours / theirs; NaN when the baseline completed no request in a run (a run too short for a loaded machine)."""
    return ours / theirs if theirs else float("nan")


def report(title: str, figures: dict, endpoints, connections) -> None:
    print(f"\n{title}")
    print(f"{'endpoint':26} {'conns':>5} {'project r/s':>11} {'base r/s':>9} {'ratio':>6} {'p50 ms':>13} "
          f"{'p99 ms':>15} {'p99 x':>6} {'errors':>7}")
    for name, *_ in endpoints:
        for conns in connections:
            ours, theirs = figures[(name, conns, "project")], figures[(name, conns, "baseline")]
            print(f"{name:26} {conns:5d} {ours['rps']:11.0f} {theirs['rps']:9.0f} "
                  f"{ratio(ours['rps'], theirs['rps']):6.2f} "
                  f"{ours['p50_ms']:6.1f}/{theirs['p50_ms']:<6.1f} {ours['p99_ms']:7.1f}/{theirs['p99_ms']:<7.1f} "
                  f"{ratio(ours['p99_ms'], theirs['p99_ms']):6.2f} {ours['errors']:3d}/{theirs['errors']:<3d}")


def settle(admin) -> None:
    """VACUUM ANALYZE after a COPY: the planner's statistics and the visibility map a running database's autovacuum
    keeps, so the runs measure the steady state and not the minutes after a bulk load (both apps alike)."""
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def run_benchmark() -> dict:
    database = PostgresTestDatabase()
    database.create()
    servers = {}
    try:
        app_url = database.url(database.app_role)
        app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": app_url,
                          "MIGRATION_DATABASE_URL": database.url(database.owner), "APP_DB_ROLE": database.app_role})
        with app.app_context():
            from consortium.migrations import upgrade

            upgrade()
        admin = create_engine(database.base.set(database=database.name))
        rng = random.Random(16)
        tokens = make_users(app)
        load(admin, [1], rng, tokens["treasurer_id"])
        load(admin, [2], rng, tokens["treasurer_id"], per_coop=INVOICES_PER_COOP * BIG)
        with admin.begin() as connection:
            for tenant_id in (1, 2):
                connection.exec_driver_sql("INSERT INTO role_assignments (user_id, role, tenant_id) "
                                           "VALUES (%s, 'treasurer', %s)", (tokens["treasurer_id"], tenant_id))
        settle(admin)
        with app.app_context():
            db.engine.dispose()

        log_dir = Path(tempfile.mkdtemp(prefix="bench-http-"))
        script = log_dir / "wrk.lua"
        script.write_text(WRK_SCRIPT)
        env = {"DATABASE_URL": app_url, "APP_DB_ROLE": database.app_role, "SECRET_KEY": secrets.token_hex(32),
               "BASELINE_DATABASE_URL": app_url, "BASELINE_READER_ROLE": database.reader_role,
               "RATELIMIT_STORAGE_URI": f"sqlitefile:///{log_dir / 'ratelimit.sqlite3'}"}
        servers = {"project": Server("project", "wsgi:app", env, log_dir),
                   "baseline": Server("baseline", "tests.benchmarks.http_baseline:app", env, log_dir)}
        for server in servers.values():
            server.wait_ready()
        listed = [e for e in ENDPOINTS if e[0] == "invoice list"]
        for server in servers.values():  # warm both (imports, pools, catalogues) before anything is timed
            for _, who, method, path, body in ENDPOINTS:
                if "{draft}" not in path:  # no drafts yet
                    wrk(server, tokens[who], method, path, body, 8, 1, script)
        empty = drive(servers, tokens, listed, CONNECTIONS, ROUNDS, SECONDS, script)

        start = time.perf_counter()
        # Drafts for the identity check, each app's warm-up second and every timed run.
        drafts = draft_ids(COOPS, 2 + 2 * ISSUE_RATE * (1 + ROUNDS * len(CONNECTIONS) * SECONDS))
        load(admin, range(3, COOPS + 1), rng, tokens["treasurer_id"], drafts=drafts)
        with admin.begin() as connection:
            connection.exec_driver_sql("INSERT INTO role_assignments (user_id, role, tenant_id) "
                                       "VALUES (%s, 'treasurer', %s)", (tokens["treasurer_id"], ISSUING))
        settle(admin)
        print(f"\nloaded {COOPS} co-ops: {(COOPS - 1 + BIG) * INVOICES_PER_COOP:,} invoices, "
              f"{COOPS * MEMBERS_PER_COOP:,} members, {COOPS * len(YEARS):,} contributions, {len(drafts):,} drafts in "
              f"{time.perf_counter() - start:.1f} s")
        pool = DraftPool(drafts)
        check_identical(servers["project"], servers["baseline"], tokens, pool, admin)
        admin.dispose()
        for server in servers.values():
            for _, who, method, path, body in ENDPOINTS:
                if "{draft}" in path:
                    wrk(server, tokens[who], method, path, body, 8, 1, script, pool)
        print(f"load average before the runs: {os.getloadavg()}")
        full = drive(servers, tokens, ENDPOINTS, CONNECTIONS, ROUNDS, SECONDS, script, pool)
        print(f"load average after the runs: {os.getloadavg()}")
        rss = {name: server.worker_rss_mb() for name, server in servers.items()}
        pss = {name: server.worker_pss_mb() for name, server in servers.items()}

        report(f"{COOPS} co-ops, 1 and 2 only loaded (nearly empty), {ROUNDS} rounds of {SECONDS} s",
               empty, listed, CONNECTIONS)
        report(f"{COOPS} co-ops, {(COOPS - 1 + BIG) * INVOICES_PER_COOP:,} invoices, {ROUNDS} rounds of {SECONDS} s",
               full, ENDPOINTS, CONNECTIONS)
        figures = {"empty": empty, "full": full, "rss_mb": rss, "pss_mb": pss, "coops": COOPS, "seconds": SECONDS,
                   "rounds": ROUNDS,
                   "full_empty": {c: empty[("invoice list", c, "project")]["rps"]
                                  / full[("invoice list", c, "project")]["rps"] for c in CONNECTIONS},
                   "big_normal": {c: full[("invoice list", c, "project")]["rps"]
                                  / full[("invoice list, 10x co-op", c, "project")]["rps"] for c in CONNECTIONS}}
        print("\nfull/empty (invoice list req/s, empty over full): "
              + ", ".join(f"{c} conns x{v:.2f}" for c, v in figures["full_empty"].items())
              + f" (target <= {TARGET['full_empty']})")
        print("10x co-op / normal (invoice list req/s, normal over 10x): "
              + ", ".join(f"{c} conns x{v:.2f}" for c, v in figures["big_normal"].items())
              + f" (target <= {TARGET['big_normal']})")
        print(f"worker RSS after load, MB: project {[round(x) for x in rss['project']]}, "
              f"baseline {[round(x) for x in rss['baseline']]}; max ratio "
              f"x{max(rss['project']) / max(rss['baseline']):.2f} (target < {TARGET['rss_ratio']})")
        print(f"worker PSS after load, MB: project {[round(x) for x in pss['project']]}, "
              f"baseline {[round(x) for x in pss['baseline']]}; "
              f"max ratio x{max(pss['project']) / max(pss['baseline']):.2f}")
        return figures
    finally:
        for server in servers.values():
            server.stop()
        database.drop()


def misses(figures: dict) -> list[str]:
    """Every target the figures miss, in words."""
    missed, full = [], figures["full"]
    for name, *_ in ENDPOINTS:
        for conns in CONNECTIONS:
            ours, theirs = full[(name, conns, "project")], full[(name, conns, "baseline")]
            wanted = TARGET["write_ratio"] if name in WRITES else TARGET["read_ratio"]
            if not ratio(ours["rps"], theirs["rps"]) >= wanted:
                missed.append(f"{name} @{conns}: throughput x{ratio(ours['rps'], theirs['rps']):.2f} < {wanted}")
            if name not in WRITES and not ratio(ours["p99_ms"], theirs["p99_ms"]) < TARGET["p99_ratio"]:
                missed.append(f"{name} @{conns}: p99 x{ratio(ours['p99_ms'], theirs['p99_ms']):.2f} "
                              f">= {TARGET['p99_ratio']}")
            if ours["ran_out"] or theirs["ran_out"]:
                missed.append(f"{name} @{conns}: a run used up its drafts (raise BENCH_ISSUE_RATE)")
            if ours["errors"] or theirs["errors"]:
                missed.append(f"{name} @{conns}: {ours['errors']} errors (baseline {theirs['errors']})")
    for conns in CONNECTIONS:
        if figures["full_empty"][conns] > TARGET["full_empty"]:
            missed.append(f"full/empty @{conns}: x{figures['full_empty'][conns]:.2f}")
        if figures["big_normal"][conns] > TARGET["big_normal"]:
            missed.append(f"10x co-op @{conns}: x{figures['big_normal'][conns]:.2f}")
    rss = figures["rss_mb"]
    if max(rss["project"]) / max(rss["baseline"]) >= TARGET["rss_ratio"]:
        missed.append(f"worker RSS x{max(rss['project']) / max(rss['baseline']):.2f}")
    return missed


@pytest.mark.skipif(not postgres_available(), reason="the HTTP benchmark needs a PostgreSQL server")
@pytest.mark.skipif(shutil.which("wrk") is None, reason="the HTTP benchmark needs wrk (make bench installs it)")
def test_hot_paths_against_a_bare_flask_app():
    missed = misses(run_benchmark())
    assert not missed, "targets missed:\n" + "\n".join(missed)


if __name__ == "__main__":
    figures = run_benchmark()
    print("\n".join(misses(figures)) or "every target met")
