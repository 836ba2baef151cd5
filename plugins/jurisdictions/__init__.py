"""Jurisdiction rule packs."""
