"""Invoicing fixtures: a UK and an Italian co-op with treasurers and tokens, customers, counting helpers."""

import pytest

from tests.conftest import count_rows, token_for


@pytest.fixture
def uk(factory, client):
    """A UK co-op (VAT-registered, with an address), its treasurer's token and a viewer's."""
    tenant = factory.tenant("riverside", name="Riverside Care Co-operative", country="uk", vat_number="GB100000034",
                            address="14 Mill Lane", city="Manchester", postcode="M4 5JD", registration_number="31245R")
    factory.user("t.uk@example.test", {"role": "treasurer", "tenant": "riverside"})
    factory.user("v.uk@example.test", {"role": "viewer", "tenant": "riverside"})
    return {"tenant": tenant, "auth": token_for(client, "t.uk@example.test"),
            "viewer": token_for(client, "v.uk@example.test"), "api": "/api/v1/t/riverside"}


@pytest.fixture
def italy(factory, client):
    """An Italian social co-op and its treasurer's token."""
    tenant = factory.tenant("girasole", name="Il Girasole Cooperativa Sociale", country="it",
                            legal_form="social_coop_a", vat_number="01122330010", address="Via dei Mille 12",
                            city="Bologna", postcode="40121", registration_number="A123456")
    factory.user("t.it@example.test", {"role": "treasurer", "tenant": "girasole"})
    return {"tenant": tenant, "auth": token_for(client, "t.it@example.test"), "api": "/api/v1/t/girasole"}


COUNCIL = {"name": "Manchester City Council", "customer_type": "local_authority", "street": "Town Hall",
           "city": "Manchester", "postcode": "M60 2LA", "vat_number": "GB802311782"}
COMUNE = {"name": "Comune di Bologna", "customer_type": "public_body_it", "street": "Piazza Maggiore 6",
          "city": "Bologna", "postcode": "40124", "tax_code": "00743110157", "codice_destinatario": "UF5YCI"}


def add_customer(client, coop, data=None) -> dict:
    """POST a customer (a council by default) and return it."""
    response = client.post(f"{coop['api']}/customers", headers=coop["auth"], json=data or COUNCIL)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def line(description="Home care visits", quantity="3", unit_price="33.333", vat_category="standard", **extra):
    """An invoice line as the API takes it."""
    return {"description": description, "quantity": quantity, "unit_price": unit_price,
            "vat_category": vat_category, "unit": extra.pop("unit", "HUR"), **extra}


def draft(client, coop, customer_id, lines=None, **extra) -> dict:
    """POST a draft invoice and return it."""
    response = client.post(f"{coop['api']}/invoices", headers=coop["auth"],
                           json={"customer_id": customer_id, "lines": lines or [line()], **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def issue(client, coop, invoice_id) -> dict:
    """Issue a draft and return it."""
    response = client.post(f"{coop['api']}/invoices/{invoice_id}/issue", headers=coop["auth"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def count(app, model) -> int:
    """Rows of a tenant-owned model across every co-op (the consortium itself may not count invoices)."""
    return count_rows(app, model)


def set_electronic_address(client, coop, peppol_id: str) -> None:
    """Save the co-op's Peppol electronic address in its invoicing settings."""
    response = client.patch(f"{coop['api']}/invoicing-settings", headers=coop["auth"], json={"peppol_id": peppol_id})
    assert response.status_code == 200, response.get_json()
