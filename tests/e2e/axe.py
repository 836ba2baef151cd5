"""axe-core in the browser tests: every page a journey loads is checked against WCAG 2.0/2.1/2.2 A and AA.

`CheckedPage` wraps a Playwright page. Whenever a new document has loaded, the next thing the test
does with the page (any attribute: `fill`, `locator`, `keyboard`, `inner_text`...) first runs axe on
it, so the page is checked in exactly the state the journey saw (a refused form with its errors
included). A page reached by GET is also loaded again, in the same browser context (same user), in
the other language (Accept-Language) and at the other width (1280 / 390 px), and checked there too.
The findings of a test are reported together when the test ends (see `tests/e2e/conftest.py`).
With `AXE_CHECKED_LOG=FILE` every view checked is appended to FILE with its number of violations.

axe-core is vendored in `tests/data/axe/` (MPL-2.0, its licence beside it).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

AXE_JS = (Path(__file__).resolve().parents[1] / "data" / "axe" / "axe.min.js").read_text(encoding="utf-8")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LANGUAGES = ("en", "it")
WIDTHS = {1280: 900, 390: 800}


def page_kind(url: str) -> str:
    """A kind of page: the path with its numbers folded (/invoices/583 and /invoices/584 are one kind), the
    query and fragment dropped."""
    return re.sub(r"/\d+(?=/|$)", "/N", url.split("#")[0].split("?")[0].split("//", 1)[-1].split("/", 1)[-1])


class VariantClaims:
    """The other-language and other-width views of a kind of page are checked once per test run.

    Within a process a set remembers them; with `folder` (shared by the xdist workers of one run) the first
    worker to create a view's file there checks it and the others skip it.
    """

    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self.seen: set = set()

    def claim(self, key: tuple) -> bool:
        """True for the one caller of the run that is to check this view."""
        if key in self.seen:
            return False
        self.seen.add(key)
        if self.folder is None:
            return True
        try:
            os.close(os.open(self.folder / hashlib.sha256(repr(key).encode()).hexdigest(),
                             os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return False
        return True

_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
}"""


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it is now; its violations of the WCAG A/AA tags (empty when clean)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # evaluated through the DevTools protocol, so the app's Content-Security-Policy does not block it
        page.evaluate(f"() => {{ {AXE_JS}\n }}")
        page.evaluate("() => { if (typeof axe !== 'object' && typeof module === 'object') "
                      "window.axe = module.exports; }")
    return page.evaluate(_RUN, WCAG_TAGS)


def format_violations(where: str, violations: list[dict]) -> str:
    lines = [where]
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"]:
            summary = " / ".join(line.strip() for line in (node["summary"] or "").splitlines()[1:3])
            lines.append(f"    {node['target']}  {summary}")
    return "\n".join(lines)


@dataclass
class AxeReport:
    """What one test's pages were checked in, and what axe found."""

    checked: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    claims: VariantClaims = field(default_factory=VariantClaims)

    def check(self, page, where: str) -> None:
        violations = axe_violations(page)
        self.checked.append(where)
        if os.environ.get("AXE_CHECKED_LOG"):  # every view checked, one line each, for a run's list of pages
            with open(os.environ["AXE_CHECKED_LOG"], "a", encoding="utf-8") as log:
                log.write(f"{where}\t{len(violations)}\n")
        if violations:
            self.findings.append(format_violations(where, violations))


class CheckedPage:
    """A Playwright page that has axe check every document it loads (see the module's docstring)."""

    def __init__(self, page, report: AxeReport, *, language: str = "en", variants: bool = True):
        self._page = page
        self._report = report
        self._language = language
        self._variants = variants
        self._fresh = False
        self._method = "GET"
        self._side = None
        page.on("load", self._loaded)
        page.on("request", self._request)

    def _loaded(self, _page) -> None:
        self._fresh = True

    def _request(self, request) -> None:
        if request.is_navigation_request() and request.frame == self._page.main_frame:
            self._method = request.method  # a redirect's last hop is the GET that shows the page

    def check_now(self) -> None:
        """Check the current document if it has not been checked yet (also called when the test ends)."""
        if not self._fresh or self._page.is_closed():
            return
        self._fresh = False
        # the load that set `_fresh` may be the previous document's, with the next one only committed (no
        # stylesheet applied yet, as a CI run once saw): wait for the current document's own load first
        self._page.wait_for_load_state("load")
        url = self._page.url
        if not url.startswith("http"):
            return
        width = self._page.viewport_size["width"] if self._page.viewport_size else 1280
        try:
            self._report.check(self._page, f"{self._method} {url} [{self._language}, {width}px]")
        except PlaywrightError as error:
            if "context was destroyed" in str(error) or "navigat" in str(error):
                return  # the page moved on while axe ran; the next document is checked instead
            raise
        if self._variants and self._method == "GET":
            self._check_variants(url, width)

    def _check_variants(self, url: str, width: int) -> None:
        for language in LANGUAGES:
            for other_width, height in WIDTHS.items():
                key = (page_kind(url), language, other_width)
                if (language, other_width) == (self._language, width) or not self._report.claims.claim(key):
                    continue
                if self._side is None or self._side.is_closed():
                    self._side = self._page.context.new_page()
                self._side.set_extra_http_headers({"Accept-Language": language})
                self._side.set_viewport_size({"width": other_width, "height": height})
                response = self._side.goto(url)
                if response is None or not response.ok or "text/html" not in response.headers.get("content-type", ""):
                    continue
                self._report.check(self._side, f"GET {url} [{language}, {other_width}px]")

    def __getattr__(self, name):
        if not name.startswith("_") and name not in ("on", "once", "remove_listener", "is_closed"):
            self.check_now()
        return getattr(self._page, name)
