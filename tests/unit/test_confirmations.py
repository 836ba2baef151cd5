"""Every form that does something that cannot be undone asks first (`data-confirm`, static/behaviour.js)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Words in an endpoint or action address that name an irreversible act.
IRREVERSIBLE = re.compile(r"(issue|cancel|delete|approve|accept|convert|close|grant|refuse|retire|revoke|void|"
                          r"remove|pay\b|credit|reject|return|write_off|archive|submit|guarantee|call)", re.I)
FORM = re.compile(r"<form\b[^>]*>", re.S)


def _templates():
    for folder in ("consortium", "tenants", "shared_services"):
        yield from (ROOT / folder).rglob("templates/**/*.html")


def irreversible_forms_without_confirmation(html: str) -> list[str]:
    """The opening tags of POST forms whose action names an irreversible act and that do not ask first."""
    missing = []
    for tag in FORM.findall(html):
        if 'method="post"' not in tag.lower():
            continue
        action = re.search(r'action="([^"]*)"', tag)
        if action and IRREVERSIBLE.search(action.group(1)) and "data-confirm" not in tag:
            missing.append(" ".join(tag.split())[:160])
    return missing


def test_the_scan_finds_an_unconfirmed_delete():
    assert irreversible_forms_without_confirmation(
        '<form method="post" action="{{ url_for(\'x.delete_thing\') }}">') != []
    assert irreversible_forms_without_confirmation(
        '<form method="post" action="{{ url_for(\'x.delete_thing\') }}" data-confirm="Sure?">') == []
    assert irreversible_forms_without_confirmation('<form method="post" action="/notes">') == []


def test_every_irreversible_post_asks_for_confirmation():
    found = {}
    for path in _templates():
        missing = irreversible_forms_without_confirmation(path.read_text(encoding="utf-8"))
        if missing:
            found[str(path.relative_to(ROOT))] = missing
    assert found == {}
