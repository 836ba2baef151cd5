"""Until main's `consortium.i18n` is merged: the same three names (removed once merged)."""

try:
    from consortium.i18n import _, _l, ngettext  # noqa: F401
except ImportError:  # pragma: no cover - only before the i18n merge
    def _(message, **values):
        return message % values if values else message

    _l = _

    def ngettext(singular, plural, n, **values):
        return _(singular if n == 1 else plural, num=n, **values)
