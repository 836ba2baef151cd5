"""The accounts-parsing benchmark's generated upload still parses: `make test` does not run the benchmark, so
a new Summary line would otherwise break it unseen (as `prior_losses_covered` once did)."""

import pytest

from tenants.accounts.parsing import parse_accounts
from tests.benchmarks.bench_accounts_parsing import TODAY, make_accounts, write_csv, write_xlsx


@pytest.mark.parametrize("write, filename", [(write_xlsx, "accounts.xlsx"), (write_csv, "accounts.csv")])
def test_the_benchmarks_generated_accounts_parse_cleanly(write, filename):
    figures, trial_balance = make_accounts(200)
    result = parse_accounts(write(figures, trial_balance), filename, today=TODAY)
    assert result.ok, [str(error) for error in result.errors[:5]]
    assert len(result.trial_balance) == 200
