"""The admin's user and co-op pages: refused forms keep what was entered, invitations are emailed, words not codes."""

import re

from sqlalchemy import select

from consortium.extensions import db
from consortium.jobs import JobSpec, schedule_label
from consortium.models import User
from consortium.notifications.models import OutboxMessage
from tests.conftest import count_rows, login


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _admin(client, factory):
    factory.tenant("coop-a")
    factory.user("admin@example.test", {"role": "consortium_admin"})
    login(client, "admin@example.test")
    return _csrf(client.get("/consortium/users/new").get_data(as_text=True))


def test_a_refused_user_form_keeps_the_chosen_role_and_names_the_field_by_its_label(client, factory, app):
    token = _admin(client, factory)
    answer = client.post("/consortium/users/new", data={
        "csrf_token": token, "email": "not-an-email", "name": "Bea", "role": ["treasurer", ""],
        "role_tenant": ["coop-a", ""]})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    # The first role row still holds "treasurer" of coop-a, so resubmitting keeps the role.
    assert re.search(r'<option value="treasurer" selected>', page)
    assert re.search(r'<option value="coop-a" selected>', page)
    assert '<a href="#f-email">Email</a>' in page
    assert count_rows(app, User) == 1


def test_no_user_without_a_role_is_created_from_the_form(client, factory, app):
    token = _admin(client, factory)
    answer = client.post("/consortium/users/new", data={
        "csrf_token": token, "email": "bea@example.test", "name": "Bea", "role": [""], "role_tenant": [""]},
        headers={"Accept-Language": "it"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert '<a href="#f-roles">Ruoli</a>: scegli almeno un ruolo' in page
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "bea@example.test")) is None


def test_role_rows_are_refused_in_the_forms_words_and_nothing_is_saved(client, factory, app):
    """Issue 15: errors by the field's label, not the API's keys (`roles[0]`, 'tenant')."""
    token = _admin(client, factory)
    answer = client.post("/consortium/users/new", data={
        "csrf_token": token, "email": "bea@example.test", "name": "Bea", "role": ["consortium_staff", "viewer"],
        "role_tenant": ["coop-a", ""]})
    page = answer.get_data(as_text=True)
    assert "Role 1: consortium staff is a consortium role: choose “(the whole consortium)”" in page
    assert "Role 2: a viewer works in a co-op: choose which" in page
    assert "roles[" not in page and "'tenant'" not in page
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "bea@example.test")) is None
        user_id = db.session.scalar(select(User.id).where(User.email != "bea@example.test"))
    edited = client.post(f"/consortium/users/{user_id}/edit", data={
        "csrf_token": token, "name": "Renamed", "is_active": "y", "role": ["treasurer"], "role_tenant": [""]},
        headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "Ruolo 1: il ruolo di tesoriere si esercita in una cooperativa: scegli quale" in edited
    with app.app_context():
        assert db.session.get(User, user_id).name != "Renamed"


def test_an_invitation_email_with_its_one_time_link_goes_through_the_outbox(client, factory, app):
    token = _admin(client, factory)
    app.config["CONSORTIUM_LANGUAGE"] = "it"
    try:
        answer = client.post("/consortium/users/new", data={
            "csrf_token": token, "email": "bea@example.test", "name": "Bea", "role": ["treasurer"],
            "role_tenant": ["coop-a"]})
    finally:
        app.config["CONSORTIUM_LANGUAGE"] = "en"
    page = answer.get_data(as_text=True)
    link = re.search(r'<code id="invitation-url">([^<]+)</code>', page).group(1)
    with app.app_context():
        from consortium.tenancy import consortium_scope

        with consortium_scope(db.session):
            mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "directory.invitation")).all()
    assert [m.recipient for m in mails] == ["bea@example.test"]
    assert link in mails[0].body
    # The invitee has chosen no language yet: the email is in the consortium's (Italian here).
    assert mails[0].subject.startswith("Il tuo invito a ")
    assert "il link funziona una sola volta" in mails[0].body
    # The link works once: the invitee sets a password and is in.
    accept = client.get(link.replace("http://localhost", ""))
    assert accept.status_code == 200


def test_job_schedules_read_as_words():
    def job(session, today):
        """A job."""

    assert schedule_label(JobSpec("a", job, "cron", {"hour": 7})) == "every day at 07:00"
    assert schedule_label(JobSpec("b", job, "cron", {"hour": 6, "minute": 30})) == "every day at 06:30"
    assert schedule_label(JobSpec("c", job, "interval", {"minutes": 15})) == "every 15 minutes"
    assert schedule_label(JobSpec("d", job, "interval", {"minutes": 1})) == "every minute"


def test_job_schedules_in_italian(app):
    def job(session, today):
        """A job."""

    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert schedule_label(JobSpec("a", job, "cron", {"hour": 7})) == "ogni giorno alle 07:00"


def test_the_favicon_is_served_and_named_by_every_page(client):
    page = client.get("/login").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)"', page).group(1)
    answer = client.get(icon)
    assert answer.status_code == 200 and b"<svg" in answer.data
    assert client.get("/favicon.ico").headers["Location"].endswith("/static/favicon.svg")


def test_roles_and_legal_forms_are_shown_by_name_in_italian(client, factory):
    factory.tenant("coop-a")
    factory.user("admin@example.test", {"role": "consortium_admin"}, )
    factory.user("tes@example.test", {"role": "treasurer", "tenant": "coop-a"})
    login(client, "admin@example.test")
    users = client.get("/consortium/users", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "tesoriere · Coop A Co-op" in users and ">treasurer" not in users
    tenants = client.get("/consortium/tenants", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "Co-operative society (società cooperativa britannica)" in tenants
