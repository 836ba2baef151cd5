"""The fund ledger balances after any sequence of operations (hypothesis, on the service layer)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from consortium.directory import service as directory
from consortium.errors import ServiceError
from consortium.extensions import db
from consortium.tenancy import set_consortium_scope
from shared_services.mutual_fund import service
from shared_services.mutual_fund.demo import submit_accounts
from shared_services.mutual_fund.models import FundEntry, FundPosting
from tests.conftest import TEST_DATABASE
from tests.mutual_fund.conftest import YEAR

CENT = Decimal("0.01")
money = st.decimals(min_value=Decimal("-20000"), max_value=Decimal("900000"), places=2)
share = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1.2"), places=2)
operations = st.lists(st.one_of(
    st.tuples(st.just("accept"), st.integers(0, 2), money),
    st.tuples(st.just("pay"), st.integers(0, 9), share),
    st.tuples(st.just("loan"), st.decimals(min_value=100, max_value=60000, places=2), st.integers(1, 24),
              st.sampled_from(["annuity", "straight_line"])),
    st.tuples(st.just("repay"), st.integers(0, 9), share),
    st.tuples(st.just("guarantee"), st.decimals(min_value=100, max_value=60000, places=2)),
    st.tuples(st.just("call"), st.integers(0, 9), share),
    st.tuples(st.just("reaccept"), st.integers(0, 9), money),
), min_size=1, max_size=14)


class FundModel:
    """What the fund's cash should be, worked out from the operations that succeeded."""

    def __init__(self, session, tenants, user_id):
        self.session, self.tenants, self.user_id = session, tenants, user_id
        self.contributions, self.loans, self.guarantees = [], [], []
        self.years = {tenant.id: YEAR for tenant in tenants}
        self.cash = Decimal("0.00")

    def ledger_state(self):
        """How many entries the ledger has and every account's balance."""
        return self.session.scalar(select(func.count()).select_from(FundEntry)), service.account_balances(self.session)

    def apply(self, operation) -> bool:
        """Run one operation in a savepoint, as a request would; False when the service refused it."""
        kind, *args = operation
        before = self.ledger_state()
        savepoint = self.session.begin_nested()
        try:
            getattr(self, kind)(*args)
        except ServiceError:
            # a refusal must come before any posting: nothing half-written to the ledger
            assert self.ledger_state() == before, f"{kind} was refused after it posted to the ledger"
            savepoint.rollback()
            return False
        savepoint.commit()
        return True

    def accept(self, index, profit):
        tenant = self.tenants[index]
        year = self.years[tenant.id] = self.years[tenant.id] - 1
        version = submit_accounts(self.session, tenant, self.user_id, year, profit, date(YEAR + 2, 1, 1))
        self.contributions.append(service.accept_accounts(self.session, version.id, accepted_by=self.user_id,
                                                          accepted_on=date(YEAR + 1, 5, 1)))

    def reaccept(self, index, profit):
        if not self.contributions:
            return
        contribution = self.contributions[index % len(self.contributions)]
        tenant = next(t for t in self.tenants if t.id == contribution.tenant_id)
        service.reopen_accounts(self.session, contribution.accounts_version_id, reason="corrected", by=self.user_id)
        version = submit_accounts(self.session, tenant, self.user_id, contribution.year, profit, date(YEAR + 2, 1, 1))
        service.accept_accounts(self.session, version.id, accepted_by=self.user_id, accepted_on=date(YEAR + 1, 6, 1))

    def pay(self, index, fraction):
        if not self.contributions:
            return
        contribution = self.contributions[index % len(self.contributions)]
        amount = (contribution.total_due * fraction).quantize(CENT)
        service.record_payment(self.session, contribution, amount=amount, paid_on=date(YEAR + 1, 6, 1),
                               recorded_by=self.user_id)
        self.cash += amount

    def loan(self, principal, months, method):
        self.loans.append(service.grant_loan(
            self.session, borrower_tenant_id=self.tenants[0].id, borrower_name="Borrower", principal=principal,
            annual_rate=Decimal("4.5"), months=months, method=method, first_due=date(YEAR + 1, 8, 1),
            granted_on=date(YEAR + 1, 7, 1), granted_by=self.user_id))
        self.cash -= principal

    def repay(self, index, fraction):
        if not self.loans:
            return
        loan = self.loans[index % len(self.loans)]
        amount = (loan.instalments[0].payment * fraction * 3).quantize(CENT)
        service.record_repayment(self.session, loan, amount=amount, paid_on=date(YEAR + 1, 9, 1),
                                 recorded_by=self.user_id)
        self.cash += amount

    def guarantee(self, amount):
        self.guarantees.append(service.give_guarantee(
            self.session, tenant_id=self.tenants[1].id, bank_name="Bank", amount=amount,
            issued_on=date(YEAR + 1, 7, 1), expires_on=date(YEAR + 3, 7, 1), description=None,
            created_by=self.user_id))

    def call(self, index, fraction):
        if not self.guarantees:
            return
        guarantee = self.guarantees[index % len(self.guarantees)]
        amount = (guarantee.amount * fraction).quantize(CENT)
        service.call_guarantee(self.session, guarantee, amount=amount, called_on=date(YEAR + 1, 10, 1),
                               recorded_by=self.user_id)
        self.cash -= amount


@pytest.mark.skipif(TEST_DATABASE == "citus", reason=(
    "each example runs many requests' worth of operations in one transaction, which on Citus cannot write as the app "
    "role and then read as the consortium reader (docs/scaling.md); the ledger's arithmetic runs on SQLite and "
    "PostgreSQL, and accepting and paying are tested on Citus one request each"))
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations=operations)
def test_every_entry_is_a_balanced_pair_and_the_balance_is_the_cash_moved(app, factory, operations):
    with app.app_context():
        session = db.session
        set_consortium_scope(session, True)
        try:
            tenants = [directory.create_tenant(session, {"slug": f"coop-{n}", "name": f"Coop {n}", "country": "it",
                                                         "legal_form": "social_coop_a"}) for n in range(3)]
            user, _ = directory.create_user(session, {"email": "staff@example.test", "name": "Staff",
                                                      "password": "a-long-password", "roles": []})
            model = FundModel(session, tenants, user.id)
            # start from a fund with cash, so loans and guarantees are possible from the first random step
            for operation in [("accept", 0, Decimal("300000.00")), ("pay", 0, Decimal("1"))]:
                assert model.apply(operation)
            refused = sum(not model.apply(operation) for operation in operations)
            event(f"operations refused: {min(refused, 3)}{'+' if refused >= 3 else ''}")

            entries = session.scalars(select(FundEntry)).all()
            event(f"kinds moved: {len({entry.kind for entry in entries})}")
            for entry in entries:
                assert len(entry.postings) == 2
                assert sum(p.debit for p in entry.postings) == sum(p.credit for p in entry.postings) > 0
            debits, credits = session.execute(select(func.sum(FundPosting.debit), func.sum(FundPosting.credit))).one()
            assert Decimal(debits or 0) == Decimal(credits or 0)
            assert service.ledger_is_balanced(session)
            assert service.fund_balance(session) == model.cash
            assert sum(service.account_balances(session).values()) == 0
        finally:
            session.rollback()
            set_consortium_scope(session, False)
