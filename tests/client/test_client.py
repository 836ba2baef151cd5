"""The Python client and `consortium-client` CLI against the real app served over HTTP."""

import csv
import io
import json
import stat
from decimal import Decimal

import pytest
import requests
from requests.adapters import BaseAdapter

from consortium import client as client_module
from consortium.client import ApiError, ConsortiumClient, main
from tests.conftest import PASSWORD

MEMBER = {"name": "Giulia Rossi", "category": "worker", "joined_on": "2020-02-01"}


@pytest.fixture
def treasurer(factory, live_server):
    """A co-op `girasole` and a client logged in as its treasurer."""
    tenant = factory.tenant("girasole")
    factory.user("t@example.test", {"role": "treasurer", "tenant": "girasole"})
    api = ConsortiumClient(live_server, backoff_factor=0)
    api.login("t@example.test", PASSWORD)
    return tenant, api


def test_login_saves_token_owner_only_and_logout_revokes_it(factory, live_server, client_config, monkeypatch,
                                                           capsys):
    factory.tenant("girasole")
    factory.user("t@example.test", {"role": "treasurer", "tenant": "girasole"})
    monkeypatch.setattr(client_module.getpass, "getpass", lambda prompt: PASSWORD)

    assert main(["login", "--url", live_server, "--email", "t@example.test"]) == 0

    assert stat.S_IMODE(client_config.stat().st_mode) == 0o600
    saved = json.loads(client_config.read_text())
    assert saved["url"] == live_server
    assert main(["tenants", "--json"]) == 0
    assert [t["slug"] for t in json.loads(capsys.readouterr().out)] == ["girasole"]

    assert main(["logout"]) == 0
    assert "token" not in json.loads(client_config.read_text())
    with pytest.raises(ApiError) as refused:
        ConsortiumClient(live_server, saved["token"]).tenants()
    assert refused.value.status == 401


def test_login_with_wrong_password_exits_1_and_saves_nothing(factory, live_server, client_config, monkeypatch,
                                                            capsys):
    factory.user("t@example.test", {"role": "consortium_staff"})
    monkeypatch.setenv("CONSORTIUM_PASSWORD", "not-the-password")

    assert main(["login", "--url", live_server, "--email", "t@example.test"]) == 1

    assert "401" in capsys.readouterr().err
    assert not client_config.exists()


def test_admin_lists_every_tenant_and_a_treasurer_only_theirs(factory, live_server, monkeypatch, capsys):
    for slug in ("girasole", "arcobaleno", "quercia"):
        factory.tenant(slug)
    factory.user("admin@example.test", {"role": "consortium_admin"})
    factory.user("t@example.test", {"role": "treasurer", "tenant": "quercia"})
    admin = ConsortiumClient(live_server)
    monkeypatch.setenv("CONSORTIUM_URL", live_server)
    monkeypatch.setenv("CONSORTIUM_TOKEN", admin.login("admin@example.test", PASSWORD))

    assert main(["tenants"]) == 0

    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split() == ["slug", "name", "country", "legal_form", "status"]
    assert sorted(row.split()[0] for row in rows) == ["arcobaleno", "girasole", "quercia"]
    treasurer = ConsortiumClient(live_server)
    treasurer.login("t@example.test", PASSWORD)
    assert [t["slug"] for t in treasurer.tenants()] == ["quercia"]


def test_members_export_walks_every_page_into_csv(treasurer, factory, live_server, monkeypatch, tmp_path, capsys):
    tenant, api = treasurer
    names = [f"Member {n:02d}" for n in range(1, 8)]
    for name in names:
        factory.member(tenant, name=name, shares_subscribed=Decimal("25.00"))
    monkeypatch.setattr(client_module, "PAGE_SIZE", 3)  # 7 members -> 3 pages
    monkeypatch.setenv("CONSORTIUM_URL", live_server)
    monkeypatch.setenv("CONSORTIUM_TOKEN", api.token)
    output = tmp_path / "members.csv"

    monkeypatch.setenv("LC_ALL", "en_GB.UTF-8")
    assert main(["members", "export", "--tenant", "girasole", "--output", str(output)]) == 0

    with output.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        rows = list(reader)
    assert reader.fieldnames[:4] == ["id", "name", "category", "email"]
    assert [row["name"] for row in rows] == names
    assert {row["shares_subscribed"] for row in rows} == {"25.00"}
    assert main(["members", "export", "--tenant", "girasole", "--format", "json"]) == 0
    assert [m["name"] for m in json.loads(capsys.readouterr().out)] == names


def test_members_export_writes_italian_csv_for_an_italian_locale(treasurer, factory, live_server, monkeypatch,
                                                                 tmp_path):
    """As the app's downloads: `;` and a decimal comma for an Italian spreadsheet, and no live formula."""
    tenant, api = treasurer
    factory.member(tenant, name="=HYPERLINK(\"http://evil\")", shares_subscribed=Decimal("25.50"))
    monkeypatch.setenv("CONSORTIUM_URL", live_server)
    monkeypatch.setenv("CONSORTIUM_TOKEN", api.token)
    monkeypatch.setenv("LC_ALL", "it_IT.UTF-8")
    output = tmp_path / "soci.csv"
    assert main(["members", "export", "--tenant", "girasole", "--output", str(output)]) == 0
    with output.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file, delimiter=";"))
    assert rows[0]["shares_subscribed"] == "25,50" and rows[0]["name"].startswith("'=")
    assert main(["members", "export", "--tenant", "girasole", "--csv-style", "en", "--output", str(output)]) == 0
    with output.open(newline="", encoding="utf-8") as file:
        assert list(csv.DictReader(file))[0]["shares_subscribed"] == "25.50"


def test_unknown_field_raises_api_error_naming_it_and_cli_exits_1(treasurer, live_server, monkeypatch, capsys):
    _, api = treasurer

    with pytest.raises(ApiError) as refused:
        api.post("t/girasole/members", json={**MEMBER, "nickname": "Giuli"})

    assert refused.value.status == 422
    assert "nickname" in refused.value.errors
    assert "nickname: Unknown field." in str(refused.value)
    monkeypatch.setenv("CONSORTIUM_URL", live_server)
    monkeypatch.setenv("CONSORTIUM_TOKEN", api.token)
    assert main(["post", "t/girasole/members", "--json", json.dumps({**MEMBER, "nickname": "Giuli"})]) == 1
    assert "nickname" in capsys.readouterr().err
    assert api.members("girasole") == []


def test_usage_errors_exit_2_before_calling_the_api(live_server, monkeypatch, capsys):
    assert main(["tenants"]) == 2
    assert "login" in capsys.readouterr().err
    monkeypatch.setenv("CONSORTIUM_URL", live_server)
    monkeypatch.setenv("CONSORTIUM_TOKEN", "whatever")
    assert main(["post", "t/girasole/members", "--json", "{not json"]) == 2
    assert "--json is not valid JSON" in capsys.readouterr().err
    assert main(["get", "tenants", "--param", "page"]) == 2
    assert main(["members", "export"]) == 2  # argparse: --tenant is required


class AnswerLostOnce(BaseAdapter):
    """Lets the server handle the first POST, then loses its answer as a dropped connection would."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.posts: list[tuple[str, dict, dict]] = []

    def send(self, request, **kwargs):
        response = self.inner.send(request, **kwargs)
        if request.method == "POST":
            # Reading the whole answer proves the server handled (and committed) this attempt.
            self.posts.append((request.headers["Idempotency-Key"], response.json(), response.headers))
            if len(self.posts) == 1:
                raise requests.ConnectionError("connection reset before the answer arrived")
        return response

    def close(self):
        self.inner.close()


def test_post_retried_after_lost_answer_reuses_its_key_and_creates_one_member(treasurer, live_server):
    _, api = treasurer
    adapter = AnswerLostOnce(api.session.get_adapter(live_server))
    api.session.mount(live_server, adapter)

    created = api.post("t/girasole/members", json=MEMBER)

    (first_key, first_answer, _), (second_key, replayed_answer, replayed_headers) = adapter.posts
    assert first_key == second_key
    assert replayed_headers.get("Idempotent-Replayed") == "true"
    assert created == first_answer == replayed_answer
    assert [m["id"] for m in api.members("girasole")] == [created["id"]]
    api.post("t/girasole/members", json=MEMBER)  # a new call is a new key: a second member
    assert len(api.members("girasole")) == 2


def test_get_is_retried_after_a_503(flaky_server):
    api = ConsortiumClient(flaky_server.url, backoff_factor=0)

    assert api.get("ping") == {"ok": True, "attempt": 2}
    assert [method for method, _, _ in flaky_server.requests] == ["GET", "GET"]


def test_post_is_retried_after_a_503_with_the_same_key(flaky_server):
    api = ConsortiumClient(flaky_server.url, backoff_factor=0)

    assert api.post("ping", files={"file": ("accounts.csv", io.BytesIO(b"a,b\n1,2\n"))})["attempt"] == 2
    (_, _, first_key), (_, _, second_key) = flaky_server.requests
    assert first_key and first_key == second_key


def test_patch_is_never_retried(flaky_server):
    api = ConsortiumClient(flaky_server.url, backoff_factor=0)

    with pytest.raises(ApiError) as refused:
        api.patch("ping", json={"name": "x"})

    assert refused.value.status == 503
    assert len(flaky_server.requests) == 1
