"""Form errors every user can find: all at once in an alert summary, each tied to its field, in their language."""

from tests.conftest import login


def _bad_member(client, **headers):
    return client.post("/t/coop-a/members/new", headers=headers, data={
        "name": "Ada", "category": "worker", "joined_on": "2024-05-01", "left_on": "2024-01-01",
        "shares_subscribed": "10", "shares_paid": "50", "voting_rights": "1"})


def test_every_error_is_listed_in_an_alert_and_tied_to_its_field(client, two_coops):
    login(client, "treasurer.a@example.test")
    page = _bad_member(client).get_data(as_text=True)
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    assert 'role="alert"' in page.split('id="error-summary"')[0][-60:]
    # Both refusals at once, each a link to its field.
    assert '<a href="#f-left_on">' in summary and '<a href="#f-shares_paid">' in summary
    assert 'id="f-left_on" name="left_on"' in page
    assert 'aria-invalid="true" aria-describedby="f-left_on-error"' in page
    assert '<span class="errors" id="f-left_on-error">must not be before the date the member joined</span>' in page


def test_errors_read_in_italian_for_an_italian_reader(client, two_coops):
    login(client, "treasurer.a@example.test")
    page = _bad_member(client, **{"Accept-Language": "it"}).get_data(as_text=True)
    assert "Correggi:" in page
    assert "non può essere precedente alla data di ingresso del socio" in page
    assert "non può superare il capitale sottoscritto" in page


def test_a_wrong_password_is_announced_and_other_messages_are_polite(client, two_coops):
    """Issue 20: a wrong password's message is an alert (read at once); a confirmation is a status."""
    refused = client.post("/login", data={"email": "treasurer.a@example.test", "password": "not-it"},
                          follow_redirects=True).get_data(as_text=True)
    assert '<div class="flash error" role="alert">Wrong email or password.</div>' in refused
    login(client, "treasurer.a@example.test")
    saved = client.post("/account/notifications", data={}, follow_redirects=True).get_data(as_text=True)
    assert '<div class="flash message" role="status">Your email preferences are saved.</div>' in saved
