"""The course catalogue names each course's public source in words, without the internal confidence mark; a
source no primary text confirms carries a translated note (issue 15)."""

import json

import pytest

from consortium.extensions import db
from consortium.tenancy import consortium_scope
from shared_services.training import service
from tests.conftest import login


@pytest.mark.parametrize("language, note", [("it", "non ancora confermata da una fonte primaria"),
                                            ("en", "not yet confirmed by a primary source")])
def test_the_catalogue_shows_sources_without_confidence_marks(app, client, factory, language, note):
    factory.user("staff@example.test", {"role": "consortium_staff"})
    with app.app_context(), consortium_scope(db.session):
        service.load_catalogue(db.session)
        db.session.commit()
    entries = json.loads(service.CATALOGUE_FILE.read_text(encoding="utf-8"))["courses"]
    unconfirmed = [entry for entry in entries if entry["confidence"] != "C"]
    assert unconfirmed and len(unconfirmed) < len(entries)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    login(client, "staff@example.test")
    page = client.get("/consortium/training/courses?per=100").get_data(as_text=True)
    assert "confidence" not in page and "(confidence" not in page
    assert entries[0]["source"].split(";")[0].replace("'", "&#39;") in page
    assert page.count(f"({note})") == len(unconfirmed)
