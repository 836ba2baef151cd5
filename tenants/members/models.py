"""The members register's table."""

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from consortium.db import Base, TenantOwned, sql_list
from consortium.i18n import _l, lazy_pgettext

CATEGORIES = ("worker", "volunteer", "service_user", "family_member", "financing_member", "legal_entity")
# What each stakeholder category is called on pages (Law 381/1991 art. 2 names worker, volunteer and user members).
CATEGORY_LABELS = {
    "worker": lazy_pgettext("member category", "Worker"),
    "volunteer": _l("Volunteer"),
    "service_user": _l("Service user"),
    "family_member": _l("Family member"),
    "financing_member": _l("Financing member"),
    "legal_entity": _l("Legal entity"),
}


class Member(TenantOwned, Base):
    """One member of a co-op, in one stakeholder category."""

    __tablename__ = "members"
    # Membership counts for consortium dashboards; names, contacts, tax codes and shares stay the co-op's.
    __consortium_read__ = ("tenant_id", "id", "category", "joined_on", "left_on")

    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    tax_code: Mapped[str | None] = mapped_column(String(20))
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    shares_subscribed: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0.00"))
    shares_paid: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0.00"))
    voting_rights: Mapped[int] = mapped_column(default=1)
    disadvantaged: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        CheckConstraint(f"category IN {sql_list(CATEGORIES)}", name="category"),
        CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="left_after_joined"),
        CheckConstraint("shares_paid >= 0 AND shares_paid <= shares_subscribed", name="shares_paid_within_subscribed"),
        CheckConstraint("voting_rights >= 0", name="voting_rights_not_negative"),
        CheckConstraint("NOT disadvantaged OR category = 'worker'", name="disadvantaged_only_workers"),
    )

    def is_current(self, on: date) -> bool:
        """True if the person is a member on date `on`."""
        return self.joined_on <= on and (self.left_on is None or self.left_on > on)
