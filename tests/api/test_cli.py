"""The command line: demo data (refusing a database with data), create-user."""

from sqlalchemy import func, select

from consortium.extensions import db
from consortium.models import Tenant, User
from consortium.tenancy import tenant_scope
from tenants.members.models import Member
from tests.conftest import login


def test_demo_data_loads_a_consortium_and_refuses_to_run_twice(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tenants = db.session.scalars(select(Tenant)).all()
        assert len(tenants) >= 5
        assert len({t.legal_form for t in tenants}) >= 5
        girasole = next(t for t in tenants if t.slug == "girasole")
        with tenant_scope(db.session, girasole.id):
            assert db.session.scalar(select(func.count()).select_from(Member)) >= 20
        emails = set(db.session.scalars(select(User.email)))
    assert {"admin@example.coop", "staff@example.coop", "treasurer@example.coop", "mentor@example.coop"} <= emails
    again = runner.invoke(args=["demo-data"])
    assert again.exit_code != 0 and "--force" in again.output
    assert runner.invoke(args=["demo-data", "--if-empty"]).exit_code == 0
    client = app.test_client()
    assert login(client, "treasurer@example.coop", "demo-password").status_code == 302


def test_create_user_command(app, factory):
    factory.tenant("coop-a")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "ada@example.test", "--name", "Ada", "--password", "long-password-1",
                                 "--role", "treasurer", "--tenant", "coop-a"])
    assert result.exit_code == 0, result.output
    assert login(app.test_client(), "ada@example.test", "long-password-1").status_code == 302
    duplicate = runner.invoke(args=["create-user", "ada@example.test", "--name", "Ada", "--password", "x" * 12])
    assert duplicate.exit_code != 0 and "already has an account" in duplicate.output


def test_create_user_writes_with_the_directorys_words(app, factory, monkeypatch):
    """Outside a request the command reads the directory's catalogue first, as its pages do: the directory says
    "identificativo" where incubation's catalogue (merged later) says "slug" for the same English."""
    monkeypatch.setitem(app.config, "CONSORTIUM_LANGUAGE", "it")  # the app is the session's: put back after
    result = app.test_cli_runner().invoke(args=["create-user", "ada@example.test", "--name", "Ada", "--password",
                                                "long-password-1", "--role", "treasurer", "--tenant", "nowhere"])
    assert result.exit_code != 0
    assert "nessuna cooperativa con identificativo 'nowhere'" in result.output


def test_create_user_says_what_it_did_in_the_consortiums_language(app, factory, monkeypatch):
    """The command's printed result is a sentence in the consortium's language, roles by their names."""
    factory.tenant("coop-a")
    monkeypatch.setitem(app.config, "CONSORTIUM_LANGUAGE", "it")
    result = app.test_cli_runner().invoke(args=["create-user", "ada@example.test", "--name", "Ada", "--password",
                                                "long-password-1", "--role", "treasurer", "--tenant", "coop-a"])
    assert result.exit_code == 0, result.output
    assert "Creato ada@example.test con i ruoli: tesoriere" in result.output
    monkeypatch.setitem(app.config, "CONSORTIUM_LANGUAGE", "en")
    result = app.test_cli_runner().invoke(args=["create-user", "bo@example.test", "--name", "Bo", "--password",
                                                "long-password-1"])
    assert result.exit_code == 0, result.output
    assert "Created bo@example.test with roles: none" in result.output
