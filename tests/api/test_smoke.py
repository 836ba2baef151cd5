"""First contact: login, token, tenants and members round trip."""

from tests.conftest import login, token_for


def test_admin_creates_coop_and_treasurer_keeps_register(client, factory):
    factory.user("admin@example.test", {"role": "consortium_admin"})
    admin = token_for(client, "admin@example.test")
    response = client.post("/api/v1/tenants", headers=admin, json={
        "slug": "girasole", "name": "Il Girasole", "country": "it", "legal_form": "social_coop_a",
        "vat_number": "IT00743110157", "founding_date": "2010-05-01"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["currency"] == "EUR"
    assert response.get_json()["vat_number"] == "00743110157"
    response = client.post("/api/v1/users", headers=admin, json={
        "email": "t@example.test", "name": "Teresa", "password": "a-long-password",
        "roles": [{"role": "treasurer", "tenant": "girasole"}]})
    assert response.status_code == 201, response.get_json()
    treasurer = token_for(client, "t@example.test", "a-long-password")
    response = client.post("/api/v1/t/girasole/members", headers=treasurer, json={
        "name": "Giulia Rossi", "category": "worker", "joined_on": "2020-02-01",
        "shares_subscribed": "250.00", "shares_paid": "100.00"})
    assert response.status_code == 201, response.get_json()
    listing = client.get("/api/v1/t/girasole/members", headers=treasurer)
    assert [m["name"] for m in listing.get_json()] == ["Giulia Rossi"]
    assert login(client, "t@example.test", "a-long-password").status_code == 302
    page = client.get("/t/girasole/members/")
    assert "Giulia Rossi" in page.get_data(as_text=True)
