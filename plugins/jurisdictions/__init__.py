"""Jurisdiction rule packs.

Each country package (``uk``, ``it``) exposes a module-level ``jurisdiction`` object
(:class:`plugins.jurisdictions.base.Jurisdiction`) registered under the
``consortium.jurisdictions`` entry points; load one with
:func:`plugins.jurisdictions.base.get_jurisdiction`. VAT rates live as data in
``<code>/rates/<year>.json``, one file per tax year, every value citing its source.
"""
