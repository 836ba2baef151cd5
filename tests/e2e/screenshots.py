"""Full-page screenshots of every page the demo users reach, in Italian and English, at 1280 and 390 px.

    python -m tests.e2e.screenshots OUTDIR [--users staff,treasurer] [--widths 1366,390] [--homes-and-lists]

Not a test: a tool for looking at the pages as a user would (issue 15's "look at every page", issue 20). It
loads the demo into a fresh SQLite database, serves the app on a local port and, for each demo user, walks the
top bar's links and the co-op home's links, then from each of those pages the first row of each table and the
page's own action links (one page of each kind: `page_kind` folds the numbers in a path). Every page is saved as
OUTDIR/<user>/<nn>-<path>-<language>-<width>.png; OUTDIR/index.tsv lists them with what the browser measured
(the page wider than the screen, elements whose text is cut), to point at what to look at first.
"""

import argparse
import logging
import re
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from consortium.app import create_app
from consortium.demo import load_demo
from consortium.extensions import db
from consortium.migrations import upgrade
from tests.conftest import TEST_SETTINGS
from tests.e2e.axe import LANGUAGES, WIDTHS, page_kind
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, log_in

# Each demo user and the co-op whose pages they are shown in (None: the consortium's pages only).
USERS = {
    "staff": ("staff@example.coop", None),
    "treasurer": ("treasurer@example.coop", "girasole"),
    "payroll-uk": ("payroll.uk@example.coop", "riverside-care"),
    "payroll-it": ("payroll.it@example.coop", "fragola-lavoro"),
    "mentor": ("mentor@example.coop", None),
    "admin": ("admin@example.coop", None),
}
LOCALES = {"en": "en-GB", "it": "it-IT"}
NOT_PAGES = re.compile(r"\.(pdf|csv|xlsx|xml|json)$|/(file|download|logout|ubl|fatturapa|api)(/|$)")

# What the browser measures on each page: the document wider than the window, and elements that cut their text.
MEASURE = """() => {
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth)
    out.push('page ' + document.documentElement.scrollWidth + 'px wide');
  for (const el of document.querySelectorAll('main *, header *')) {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (box.width === 0 || style.visibility === 'hidden' || el.closest('.visually-hidden, .skip')) continue;
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className
      === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    if (box.right > window.innerWidth + 1 && !el.closest('table, nav, pre, [style*=overflow]'))
      out.push('past the right edge: ' + name);
    if (el.tagName === 'TABLE' && el.scrollWidth > el.clientWidth + 1)
      out.push('table scrolls sideways: ' + name + ' ' + el.scrollWidth + '/' + el.clientWidth + 'px');
    if ((style.overflow === 'hidden' || style.textOverflow === 'ellipsis') && el.scrollWidth > el.clientWidth + 1
        && el.children.length === 0 && el.tagName !== 'TABLE')
      out.push('text cut: ' + name + ' "' + el.textContent.trim().slice(0, 40) + '"');
  }
  return [...new Set(out)];
}"""


def serve_demo(folder: Path) -> tuple[str, object]:
    """The demo in a fresh SQLite database under `folder`, served on a free local port."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns the summary
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.db'}"})
    with app.app_context():
        upgrade()
        load_demo(db.session)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def links(page, selector: str, base: str, slug: str | None) -> list[str]:
    """The same-site pages (not downloads) that `selector`'s links lead to, outside other co-ops."""
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.href)")
    found = []
    for href in hrefs:
        url = href.split("#")[0]
        path = url.removeprefix(base).split("?")[0]
        if not url.startswith(base) or NOT_PAGES.search(path):
            continue
        tenant = re.match(r"/t/([^/]+)/", path)
        if tenant and tenant.group(1) != slug:
            continue
        if url not in found:
            found.append(url)
    return found


def walk(page, base: str, slug: str | None, deep: bool = True) -> list[str]:
    """The user's pages: the top bar's and home pages' links, then (`deep`) each one's first table rows and
    actions."""
    page.goto(base + "/")
    first = links(page, "header nav a, main .actions a, main .card a", base, slug)
    if slug:
        page.goto(f"{base}/t/{slug}/")
        first += links(page, "header nav a, main a", base, slug)
    pages, kinds = [], set()

    def add(url):
        kind = page_kind(url)
        if kind not in kinds:
            kinds.add(kind)
            pages.append(url)

    add(base + "/")
    for url in first:
        add(url)
    for url in list(pages) if deep else ():
        response = page.goto(url)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        for found in links(page, "main table tbody tr:first-child a, main .actions a", base, slug):
            add(found)
    return pages


def shoot(out: Path, users: list[str], widths: dict[int, int], deep: bool = True) -> int:
    rows = []
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        base, server = serve_demo(Path(folder))
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        shot_kinds: set = set()
        for user in users:
            email, slug = USERS[user]
            # one context per language, its locale the language's (date inputs and file pickers follow it)
            contexts = {language: browser.new_context(viewport={"width": 1280, "height": 900}, locale=LOCALES[language],
                                                      extra_http_headers={"Accept-Language": language})
                        for language in LANGUAGES}
            tabs = {language: context.new_page() for language, context in contexts.items()}
            for tab in tabs.values():
                log_in(tab, base, email)
            pages = walk(tabs["en"], base, slug, deep)
            (out / user).mkdir(parents=True, exist_ok=True)
            number = 0
            for url in pages:
                kind = page_kind(url)
                if kind in shot_kinds and url != base + "/":
                    continue  # an earlier user's walk has this kind of page already
                shot_kinds.add(kind)
                number += 1
                name = re.sub(r"[^a-z0-9]+", "-", url.removeprefix(base).lower()).strip("-") or "home"
                for language, page in tabs.items():
                    for width, height in widths.items():
                        page.set_viewport_size({"width": width, "height": height})
                        response = page.goto(url)
                        if response is None or "text/html" not in response.headers.get("content-type", ""):
                            continue
                        path = out / user / f"{number:02d}-{name[:60]}-{language}-{width}.png"
                        page.screenshot(path=str(path), full_page=True)
                        found = page.evaluate(MEASURE)
                        rows.append("\t".join([str(path.relative_to(out)), str(response.status),
                                               page.evaluate("document.documentElement.scrollHeight").__str__(),
                                               url.removeprefix(base), "; ".join(found)]))
            for context in contexts.values():
                context.close()
        browser.close()
        server.shutdown()
    (out / "index.tsv").write_text("file\tstatus\theight\tpath\tmeasured\n" + "\n".join(rows) + "\n",
                                   encoding="utf-8")
    return len(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for the PNGs and index.tsv")
    parser.add_argument("--users", default=",".join(USERS), help="comma-separated, of: " + ", ".join(USERS))
    parser.add_argument("--widths", default=",".join(map(str, WIDTHS)), help="window widths in px, comma-separated")
    parser.add_argument("--homes-and-lists", action="store_true",
                        help="only each user's home and the pages its top bar and home link to")
    args = parser.parse_args(argv)
    if CHROMIUM is None:
        print("no Chromium found (apt-get install chromium)", file=sys.stderr)
        return 1
    widths = {int(width): WIDTHS.get(int(width), 900) for width in args.widths.split(",")}
    count = shoot(args.out, args.users.split(","), widths, deep=not args.homes_and_lists)
    print(f"{count} screenshots in {args.out} (index.tsv)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
