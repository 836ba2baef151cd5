"""Benchmark: parse and check a 50,000-row annual-accounts upload, as XLSX and as CSV.

Targets: the XLSX in under 5 s and 300 MB peak memory, the CSV in under 1 s. Each figure is
printed beside a baseline measured in the same run (openpyxl read-only iterating the same rows
without validation; csv.reader iterating the same text), so a slow machine shows as a slow
baseline rather than a slow parser.

Run as a script (`python tests/benchmarks/bench_accounts_parsing.py`) to print the figures, or
`pytest tests/benchmarks/bench_accounts_parsing.py -q -s -p no:xdist` to assert the targets.
"""

import csv
import io
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # when run as a plain script
    sys.path.insert(0, str(REPO_ROOT))

from tenants.accounts.parsing import (  # noqa: E402
    ALLOCATION_CODES,
    CSV_COLUMNS,
    LINES_BY_CODE,
    MAPPABLE_CODES,
    SUMMARY_COLUMNS,
    SUMMARY_LINES,
    TRIAL_BALANCE_COLUMNS,
    parse_accounts,
)

ROWS = 50_000
RUNS = 3
YEAR = 2024
TODAY = date(2025, 6, 30)
TARGET_XLSX_SECONDS = 5.0
TARGET_XLSX_PEAK_MB = 300.0
TARGET_CSV_SECONDS = 1.0
MB = 1024 * 1024


def make_accounts(rows: int, seed: int = 381) -> tuple[dict[str, Decimal], list[tuple]]:
    """Make a balanced trial balance of `rows` accounts and the Summary figures it adds up to."""
    generator = random.Random(seed)
    targets = [*MAPPABLE_CODES, None]
    trial_balance = []
    for index in range(rows - 1):
        maps_to = targets[index % len(targets)]
        amount = Decimal(generator.randint(1, 500_000)) / 100
        side = LINES_BY_CODE[maps_to].normal_side if maps_to else generator.choice(("debit", "credit"))
        debit, credit = (amount, Decimal(0)) if side == "debit" else (Decimal(0), amount)
        trial_balance.append((f"{10000 + index}", f"Account {index}", debit, credit, maps_to))
    difference = sum(row[2] for row in trial_balance) - sum(row[3] for row in trial_balance)
    balancing = (Decimal(0), difference) if difference > 0 else (-difference, Decimal(0))
    trial_balance.append(("99999", "Retained earnings", *balancing, None))

    figures = dict.fromkeys(MAPPABLE_CODES, Decimal(0))
    for _code, _name, debit, credit, maps_to in trial_balance:
        if maps_to:
            sign = 1 if LINES_BY_CODE[maps_to].normal_side == "credit" else -1
            figures[maps_to] += sign * (credit - debit)
    turnover = sum(value for code, value in figures.items() if code.startswith("turnover_"))
    figures["net_profit"] = turnover - figures["staff_costs"] - figures["other_costs"] - figures["tax"]
    figures.update(dict.fromkeys(ALLOCATION_CODES, Decimal(0)))  # no profit used on prior losses or ristorni
    return figures, trial_balance


def write_xlsx(figures: dict[str, Decimal], trial_balance: list[tuple]) -> bytes:
    """Write the accounts as an XLSX upload, streaming (openpyxl write-only mode)."""
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet("Summary")
    summary.append(list(SUMMARY_COLUMNS))
    for line in SUMMARY_LINES:
        amount = YEAR if line.code == "financial_year" else float(figures[line.code])
        summary.append([line.code, line.label, amount])
    sheet = workbook.create_sheet("TrialBalance")
    sheet.append(list(TRIAL_BALANCE_COLUMNS))
    for code, name, debit, credit, maps_to in trial_balance:
        debit_cell = float(debit) if debit else None
        credit_cell = float(credit) if credit else None
        sheet.append([code, name, debit_cell, credit_cell, maps_to])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv(figures: dict[str, Decimal], trial_balance: list[tuple]) -> bytes:
    """Write the accounts as a CSV upload (comma delimiter, decimal point)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for line in SUMMARY_LINES:
        amount = YEAR if line.code == "financial_year" else figures[line.code]
        writer.writerow(["summary", line.code, line.label, amount, "", "", ""])
    for code, name, debit, credit, maps_to in trial_balance:
        writer.writerow(["trial_balance", maps_to or "", name, "", code, debit or "", credit or ""])
    return buffer.getvalue().encode("utf-8")


def iterate_xlsx_only(data: bytes) -> int:
    """Baseline: what openpyxl read-only costs to hand over every row, with no validation."""
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    count = 0
    for sheet in workbook.worksheets:
        for _row in sheet.iter_rows(values_only=True):
            count += 1
    workbook.close()
    return count


def iterate_csv_only(data: bytes) -> int:
    """Baseline: what decoding and csv.reader cost to hand over every row, with no validation."""
    return sum(1 for _row in csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def parse_checked(data: bytes, filename: str) -> None:
    """Parse an upload and fail loudly if the generated file did not validate."""
    result = parse_accounts(data, filename, today=TODAY)
    if not result.ok or len(result.trial_balance) != ROWS:
        first_errors = [str(error) for error in result.errors[:5]]
        raise AssertionError(f"generated {filename} did not parse cleanly: {first_errors}")


def median_seconds(work: Callable[[], object], runs: int = RUNS) -> float:
    """Median wall time of `runs` calls."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def tracemalloc_peak_mb(work: Callable[[], object]) -> float:
    """Peak Python allocation of one call, in MB (run apart from the timings: tracing is slow)."""
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()


# ru_maxrss survives fork+exec on Linux (the child starts with this process's high-water mark), so
# VmHWM, the peak of the child's own address space, is read where /proc has it.
_RSS_SCRIPT = """
import resource, sys
sys.path.insert(0, sys.argv[1])
from datetime import date
from tenants.accounts.parsing import parse_accounts

def peak_kb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

data = open(sys.argv[2], "rb").read()
before = peak_kb()
result = parse_accounts(data, sys.argv[2], today=date(2025, 6, 30))
after = peak_kb()
print(int(result.ok), before, after)
"""


def rss_growth_mb(path: Path) -> float:
    """Growth of the peak resident set while parsing, in a fresh interpreter, in MB."""
    completed = subprocess.run(
        [sys.executable, "-c", _RSS_SCRIPT, str(REPO_ROOT), str(path)],
        capture_output=True, text=True, check=True, timeout=300,
    )
    ok, before, after = (int(part) for part in completed.stdout.split())
    if not ok:
        raise AssertionError(f"{path.name} did not parse cleanly in the subprocess")
    return (after - before) / 1024


def run_benchmark() -> dict[str, float]:
    """Generate the files, time and measure parsing and the baselines; return the figures."""
    figures, trial_balance = make_accounts(ROWS)
    xlsx = write_xlsx(figures, trial_balance)
    csv_bytes = write_csv(figures, trial_balance)
    parse_checked(xlsx, "accounts.xlsx")
    parse_checked(csv_bytes, "accounts.csv")

    results = {
        "rows": ROWS,
        "xlsx_bytes": len(xlsx),
        "csv_bytes": len(csv_bytes),
        "xlsx_seconds": median_seconds(lambda: parse_checked(xlsx, "accounts.xlsx")),
        "xlsx_baseline_seconds": median_seconds(lambda: iterate_xlsx_only(xlsx)),
        "csv_seconds": median_seconds(lambda: parse_checked(csv_bytes, "accounts.csv")),
        "csv_baseline_seconds": median_seconds(lambda: iterate_csv_only(csv_bytes)),
        "xlsx_tracemalloc_peak_mb": tracemalloc_peak_mb(lambda: parse_checked(xlsx, "accounts.xlsx")),
        "csv_tracemalloc_peak_mb": tracemalloc_peak_mb(lambda: parse_checked(csv_bytes, "accounts.csv")),
    }
    with tempfile.TemporaryDirectory() as folder:
        for name, data in (("accounts.xlsx", xlsx), ("accounts.csv", csv_bytes)):
            path = Path(folder) / name
            path.write_bytes(data)
            results[f"{path.suffix[1:]}_rss_growth_mb"] = rss_growth_mb(path)
    results["xlsx_ratio_to_baseline"] = results["xlsx_seconds"] / results["xlsx_baseline_seconds"]
    results["csv_ratio_to_baseline"] = results["csv_seconds"] / results["csv_baseline_seconds"]
    return results


def test_accounts_parsing_meets_targets() -> None:
    """A 50,000-row trial balance parses and validates within the time and memory targets."""
    results = run_benchmark()
    print(json.dumps(results, indent=2))
    assert results["xlsx_seconds"] < TARGET_XLSX_SECONDS
    assert results["xlsx_tracemalloc_peak_mb"] < TARGET_XLSX_PEAK_MB
    assert results["xlsx_rss_growth_mb"] < TARGET_XLSX_PEAK_MB
    assert results["csv_seconds"] < TARGET_CSV_SECONDS


if __name__ == "__main__":
    figures = run_benchmark()
    print(f"{figures['rows']:,} trial-balance rows; XLSX {figures['xlsx_bytes']:,} bytes, "
          f"CSV {figures['csv_bytes']:,} bytes; median of {RUNS} runs")
    for kind, target in (("xlsx", TARGET_XLSX_SECONDS), ("csv", TARGET_CSV_SECONDS)):
        print(
            f"{kind.upper():4} parse+validate {figures[f'{kind}_seconds']:.3f} s (target < {target} s); "
            f"baseline {figures[f'{kind}_baseline_seconds']:.3f} s; "
            f"ratio {figures[f'{kind}_ratio_to_baseline']:.2f}x; "
            f"tracemalloc peak {figures[f'{kind}_tracemalloc_peak_mb']:.1f} MB; "
            f"peak RSS growth {figures[f'{kind}_rss_growth_mb']:.1f} MB"
        )
