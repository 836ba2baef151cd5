"""The API docs page is Swagger UI served by the app itself: every script and style it loads comes from the
app (no CDN), and the page keeps the CSP's `script-src 'self'` (no inline script)."""

import re


def test_docs_page_loads_swagger_ui_and_its_assets_from_the_app(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert 'id="swagger-ui"' in page and 'data-spec-url="/api/v1/openapi.json"' in page
    sources = re.findall(r'<script[^>]*src="([^"]+)"', page)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in sources and "/static/api-docs.js" in sources
    assert "/api/v1/docs/assets/swagger-ui.css" in styles
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "an inline script would break the CSP"
    for url in sources + styles:
        assert url.startswith("/"), f"{url} is not served by the app"
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.get_data()) > 100, url
    bundle = client.get("/api/v1/docs/assets/swagger-ui-bundle.js").get_data(as_text=True)
    assert "SwaggerUIBundle" in bundle


def test_only_the_listed_swagger_files_are_served(client):
    assert client.get("/api/v1/docs/assets/index.html").status_code == 404
    assert client.get("/api/v1/docs/assets/..%2F..%2F__init__.py").status_code == 404
