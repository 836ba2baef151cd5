"""Demo payroll (filled in below)."""


def load_demo_payroll(session, tenants, users, rng) -> None:
    """Placeholder while building."""
