"""A small Python client for the consortium API and its `consortium-client` command line.

Only `requests` (and the standard library): it runs installed on a treasurer's laptop, without Flask.

    client = ConsortiumClient("https://backoffice.example.coop")
    client.login("treasurer@example.coop", password)
    for member in client.members("girasole"):
        ...

Reads (GET, PUT, DELETE, HEAD, OPTIONS) are retried by urllib3 on connection errors and 502/503/504,
with backoff. POST is never retried blind: every POST carries an `Idempotency-Key`, and the client's
own retry loop re-sends the very same prepared request (same key, same body) so the server replays
the response it stored instead of acting twice. PATCH is not retried once it may have reached the server.
"""

import argparse
import csv
import getpass
import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

API_PREFIX = "/api/v1/"
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE", "HEAD", "OPTIONS"})
RETRY_STATUSES = (502, 503, 504)
PAGE_SIZE = 100  # flask-smorest's largest page: the fewest round trips when walking a list
DEFAULT_CONFIG = Path("~/.config/consortium-client.json")


class ApiError(Exception):
    """The API refused a request; parsed from its RFC 7807 problem (`errors` maps field -> messages)."""

    def __init__(self, status: int, title: str, detail: str | None = None, errors: dict | None = None):
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors or {}
        super().__init__(str(self))

    @classmethod
    def from_response(cls, response: requests.Response) -> "ApiError":
        """The error a failed response describes (a proxy's HTML error page included)."""
        try:
            problem = response.json()
        except ValueError:
            problem = None
        if not isinstance(problem, dict):
            text = response.text.strip()
            return cls(response.status_code, response.reason or "Error", text[:500] or None)
        errors = problem.get("errors")
        return cls(
            int(problem.get("status") or response.status_code),
            problem.get("title") or response.reason or "Error",
            problem.get("detail"),
            errors if isinstance(errors, dict) else ({"_schema": errors} if errors else None),
        )

    def field_messages(self) -> dict[str, list[str]]:
        """Each field's messages, nested per-row errors flattened to dotted names (`rows.3.amount`)."""
        return _flatten_errors(self.errors)

    def __str__(self) -> str:
        lines = [f"{self.status} {self.title}" + (f": {self.detail}" if self.detail else "")]
        lines += [f"  {field}: {'; '.join(messages)}" for field, messages in self.field_messages().items()]
        return "\n".join(lines)


def _flatten_errors(errors, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(errors, dict):
        flat = {}
        for key, value in errors.items():
            flat.update(_flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(errors, list) and any(isinstance(item, dict) for item in errors):
        flat = {}
        for item in errors:
            for field, messages in _flatten_errors(item, prefix).items():
                flat.setdefault(field, []).extend(messages)
        return flat
    messages = errors if isinstance(errors, list) else [errors]
    return {prefix or "_schema": [str(message) for message in messages]}


class ConsortiumClient:
    """A session with the consortium API at `base_url`, authenticated by a bearer `token`."""

    def __init__(self, base_url: str, token: str | None = None, timeout=(3.05, 30), *,
                 retries: int = 3, backoff_factor: float = 0.5):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff_factor = backoff_factor
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json, application/problem+json"
        retry = Retry(
            total=retries, connect=retries, read=retries, status=retries,
            backoff_factor=backoff_factor,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=IDEMPOTENT_METHODS,
            raise_on_status=False,  # hand back the last 503 so it becomes an ApiError, not a RetryError
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.token = token

    @property
    def token(self) -> str | None:
        """The bearer token sent with every request, or None."""
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        self._token = value
        if value:
            self.session.headers["Authorization"] = f"Bearer {value}"
        else:
            self.session.headers.pop("Authorization", None)

    def url(self, path: str) -> str:
        """Absolute URL for `path`: `tenants`, `/api/v1/tenants` or a full URL all work."""
        if path.startswith(("http://", "https://")):
            return path
        if path.startswith("/api/"):
            return self.base_url + path
        return self.base_url + API_PREFIX + path.lstrip("/")

    def request(self, method: str, path: str, *, params=None, json=None, data=None, files=None,
                headers: dict | None = None) -> requests.Response:
        """Send one request (POST with an Idempotency-Key); raises ApiError on a 4xx/5xx answer."""
        method = method.upper()
        prepared = self.session.prepare_request(requests.Request(
            method, self.url(path), params=params, json=json, data=data, files=files, headers=headers,
        ))
        if method == "POST":
            prepared.headers.setdefault("Idempotency-Key", str(uuid.uuid4()))
            response = self._send_post(prepared)
        else:
            response = self._send(prepared)
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        return response

    def _send(self, prepared: requests.PreparedRequest) -> requests.Response:
        settings = self.session.merge_environment_settings(prepared.url, {}, None, None, None)
        return self.session.send(prepared, timeout=self.timeout, **settings)

    def _send_post(self, prepared: requests.PreparedRequest) -> requests.Response:
        # The same prepared request every time: same key and same bytes (a multipart boundary is
        # random per preparation), so the server recognises the retry and replays its answer.
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_factor * 2 ** (attempt - 1))
            last_attempt = attempt == self.retries
            try:
                response = self._send(prepared)
            except (requests.ConnectionError, requests.Timeout):
                if last_attempt:
                    raise
                continue
            if response.status_code not in RETRY_STATUSES or last_attempt:
                return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    def get(self, path: str, **params):
        """GET `path` with query `params`; the decoded JSON (bytes for a download, None if empty)."""
        return _body(self.request("GET", path, params=params or None))

    def post(self, path: str, json=None, files=None, data=None):
        """POST JSON (or a multipart form with `files`/`data`); the decoded answer."""
        return _body(self.request("POST", path, json=json, files=files, data=data))

    def patch(self, path: str, json=None):
        """PATCH `path` with JSON changes; the decoded answer."""
        return _body(self.request("PATCH", path, json=json))

    def delete(self, path: str):
        """DELETE `path`; the decoded answer (usually None)."""
        return _body(self.request("DELETE", path))

    def iterate(self, path: str, **params) -> Iterator:
        """Every item of a paginated list, page after page (following `X-Pagination.next_page`)."""
        params.setdefault("page_size", PAGE_SIZE)
        page = int(params.pop("page", 1))
        while page is not None:
            response = self.request("GET", path, params={**params, "page": page})
            yield from response.json()
            page = json.loads(response.headers.get("X-Pagination") or "{}").get("next_page")

    def login(self, email: str, password: str) -> str:
        """Exchange email and password for a bearer token, which this client then uses."""
        self.token = None
        answer = self.post("auth/token", json={"email": email, "password": password})
        self.token = answer["token"]
        return self.token

    def logout(self) -> None:
        """Revoke this client's token on the server and forget it."""
        self.delete("auth/token")
        self.token = None

    def tenants(self) -> list[dict]:
        """The co-ops this user may see (all of them for consortium roles)."""
        return list(self.iterate("tenants"))

    def members(self, slug: str, **filters) -> list[dict]:
        """A co-op's whole members register (`category=`, `current=true` filter it)."""
        return list(self.iterate(f"t/{slug}/members", **filters))

    def upload_accounts(self, slug: str, year: int, filename: str, content: bytes) -> dict:
        """Upload a co-op's annual accounts for `year`; the parsed preview (ApiError lists errors by cell)."""
        return self.post(f"t/{slug}/accounts", data={"year": str(year)}, files={"file": (filename, content)})


def _body(response: requests.Response):
    if response.status_code == 204 or not response.content:
        return None
    if "json" in response.headers.get("Content-Type", ""):
        return response.json()
    return response.content


# --- configuration file ------------------------------------------------------------------------


class UsageError(Exception):
    """The command line asked for something impossible (exit code 2)."""


def config_path() -> Path:
    """Where `login` keeps the URL and token: `$CONSORTIUM_CLIENT_CONFIG` or ~/.config/consortium-client.json."""
    return Path(os.environ.get("CONSORTIUM_CLIENT_CONFIG") or DEFAULT_CONFIG).expanduser()


def read_config() -> dict:
    """The saved settings, or {} before the first login."""
    path = config_path()
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot read the config file {path}: {error}") from error
    if not isinstance(settings, dict):
        raise UsageError(f"the config file {path} is not a JSON object")
    return settings


def save_config(settings: dict) -> Path:
    """Write the settings readable by the owner only (0600): the file holds a bearer token."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.chmod(path, 0o600)  # an older file may have been created with wider permissions
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(settings, file, indent=2)
    return path


def current_settings() -> dict:
    """Saved settings with `CONSORTIUM_URL` / `CONSORTIUM_TOKEN` from the environment taking precedence."""
    settings = read_config()
    for key, variable in (("url", "CONSORTIUM_URL"), ("token", "CONSORTIUM_TOKEN")):
        if os.environ.get(variable):
            settings[key] = os.environ[variable]
    return settings


# --- command line: one decorated function per verb ------------------------------------------------


@dataclass(frozen=True)
class Command:
    """One CLI verb: its words (`members export`), help, argparse arguments and handler."""

    words: tuple[str, ...]
    help: str
    arguments: tuple
    handler: Callable[[ConsortiumClient, argparse.Namespace], int | None]
    needs_token: bool


COMMANDS: list[Command] = []


def arg(*flags: str, **options) -> tuple:
    """An argument of a verb, as `parser.add_argument(*flags, **options)` takes it."""
    return flags, options


def command(words: str, help: str, *arguments: tuple, needs_token: bool = True):
    """Register the decorated `handler(client, args) -> exit code` as the verb `words`."""

    def register(handler):
        COMMANDS.append(Command(tuple(words.split()), help, arguments, handler, needs_token))
        return handler

    return register


@command("login", "Log in and save the API URL and token to the config file (mode 0600).",
         arg("--url", help="the back office address, e.g. https://backoffice.example.coop"),
         arg("--email", required=True),
         arg("--password", help="else $CONSORTIUM_PASSWORD, else asked for"),
         needs_token=False)
def login_command(client: ConsortiumClient, args: argparse.Namespace) -> int:
    """Log in and save the token."""
    password = args.password or os.environ.get("CONSORTIUM_PASSWORD") or getpass.getpass(f"Password for {args.email}: ")
    token = client.login(args.email, password)
    path = save_config({**read_config(), "url": client.base_url, "token": token})
    print(f"Logged in to {client.base_url} as {args.email}; token saved in {path}", file=sys.stderr)
    return 0


@command("logout", "Revoke the saved token and remove it from the config file.")
def logout_command(client: ConsortiumClient, args: argparse.Namespace) -> int:
    """Revoke the token and forget it."""
    client.logout()
    settings = read_config()
    if settings.pop("token", None) is not None:
        save_config(settings)
    print("Logged out.", file=sys.stderr)
    return 0


TENANT_COLUMNS = ("slug", "name", "country", "legal_form", "status")


@command("tenants", "List the co-ops you may see.",
         arg("--json", action="store_true", help="print JSON instead of a table"))
def tenants_command(client: ConsortiumClient, args: argparse.Namespace) -> int:
    """Print the visible co-ops."""
    tenants = client.tenants()
    if args.json:
        print(json.dumps(tenants, indent=2))
    else:
        print_table(tenants, TENANT_COLUMNS)
    return 0


MEMBER_COLUMNS = ("id", "name", "category", "email", "tax_code", "joined_on", "left_on",
                  "shares_subscribed", "shares_paid", "voting_rights", "disadvantaged")


# CSV the way the reader's spreadsheet opens it, as `consortium/exports.py` writes the app's downloads (this client
# runs without Flask, so it keeps its own copy): Italian spreadsheets take `;` and a decimal comma.
CSV_STYLES = {"it": (";", ","), "en": (",", ".")}
MEMBER_DECIMALS = ("shares_subscribed", "shares_paid")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a cell starting so is run as a formula (OWASP "CSV injection")


def default_csv_style() -> str:
    """`it` when the user's locale is Italian (LC_ALL, LC_NUMERIC or LANG `it_...`), else `en`."""
    for name in ("LC_ALL", "LC_NUMERIC", "LANG"):
        value = os.environ.get(name)
        if value:
            return "it" if value.lower().startswith("it") else "en"
    return "en"


def csv_cell(key: str, value, decimal_sign: str):
    """A member's value as the CSV cell: amounts with `decimal_sign`, text a spreadsheet would run made inert."""
    if value is None:
        return ""
    if key in MEMBER_DECIMALS and isinstance(value, str):
        return value.replace(".", decimal_sign)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@command("members export", "Export a co-op's whole members register (every page) as CSV or JSON.",
         arg("--tenant", required=True, metavar="SLUG"),
         arg("--format", choices=("csv", "json"), default="csv"),
         arg("--csv-style", choices=sorted(CSV_STYLES), default=None,
             help="it: ; between fields and a decimal comma; en: , and a decimal point "
                  "(default: it when your locale is Italian, else en)"),
         arg("--output", metavar="FILE", help="default: standard output"))
def members_export_command(client: ConsortiumClient, args: argparse.Namespace) -> int:
    """Write the register to a file or standard output."""
    members = client.members(args.tenant)
    with _output(args.output) as out:
        if args.format == "json":
            json.dump(members, out, indent=2)
            out.write("\n")
        else:
            columns = list(MEMBER_COLUMNS)
            columns += [key for member in members for key in member if key not in columns]
            delimiter, decimal_sign = CSV_STYLES[args.csv_style or default_csv_style()]
            writer = csv.DictWriter(out, fieldnames=list(dict.fromkeys(columns)), extrasaction="ignore",
                                    delimiter=delimiter)
            writer.writeheader()
            writer.writerows({key: csv_cell(key, value, decimal_sign) for key, value in member.items()}
                             for member in members)
    if args.output:
        print(f"Wrote {len(members)} members to {args.output}", file=sys.stderr)
    return 0


@command("accounts upload", "Upload a co-op's filled annual-accounts template (.xlsx or .csv) for a year.",
         arg("file", metavar="FILE"),
         arg("--tenant", required=True, metavar="SLUG"),
         arg("--year", required=True, type=int, metavar="YYYY", help="the financial year the file covers"),
         arg("--json", action="store_true", help="print the whole answer as JSON"))
def accounts_upload_command(client: ConsortiumClient, args: argparse.Namespace) -> int:
    """Upload the file and print the parsed preview (or, exit 1, the errors by sheet, row and column)."""
    path = Path(args.file)
    try:
        content = path.read_bytes()
    except OSError as error:
        raise UsageError(f"FILE: {error}") from error
    version = client.upload_accounts(args.tenant, args.year, path.name, content)
    if args.json:
        print(json.dumps(version, indent=2))
        return 0
    print(f"Uploaded {path.name} as version {version['version']} of {version['year']} for {args.tenant} "
          f"({version['status']}): net profit {version['net_profit']}")
    for warning in version.get("warnings") or []:
        sheet, row, column = warning.get("sheet"), warning.get("row"), warning.get("column")
        parts = [sheet, row is not None and f"row {row}", column and f"column {column}"]
        where = "".join(f"{part}, " for part in parts if part)
        print(f"warning: {where}{warning['message']}")
    if version.get("encoding_note"):
        print(f"note: the file was {version['encoding_note']}")
    print(f"Check it, then submit with the date the members' assembly approved it: consortium-client post "
          f"t/{args.tenant}/accounts/{version['id']}/submit --json '{{\"assembly_approved_on\": \"YYYY-MM-DD\"}}'")
    return 0


# Later verbs go here, one decorated function each.


@command("get", "GET any API path and print the JSON answer.",
         arg("path", help="e.g. tenants, t/girasole/members/summary or /api/v1/users"),
         arg("--param", action="append", default=[], metavar="KEY=VALUE", help="query parameter (repeatable)"))
def get_command(client: ConsortiumClient, args: argparse.Namespace) -> int:
    """Print a GET answer."""
    params: dict[str, list[str]] = {}
    for pair in args.param:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--param needs KEY=VALUE, got {pair!r}")
        params.setdefault(key, []).append(value)
    _print_body(client.get(args.path, **params))
    return 0


@command("post", "POST JSON to any API path (with an Idempotency-Key) and print the answer.",
         arg("path"),
         arg("--json", dest="json_text", metavar="JSON", help="the request body"),
         arg("--json-file", metavar="FILE", help="a file holding the request body"))
def post_command(client: ConsortiumClient, args: argparse.Namespace) -> int:
    """Print a POST answer."""
    if args.json_text is not None and args.json_file is not None:
        raise UsageError("give --json or --json-file, not both")
    if args.json_file is not None:
        try:
            text, source = Path(args.json_file).read_text(encoding="utf-8"), f"--json-file {args.json_file}"
        except OSError as error:
            raise UsageError(f"--json-file: {error}") from error
    else:
        text, source = args.json_text, "--json"
    try:
        body = json.loads(text) if text is not None else None
    except ValueError as error:
        raise UsageError(f"{source} is not valid JSON: {error}") from error
    _print_body(client.post(args.path, json=body))
    return 0


def print_table(rows: list[dict], columns: tuple[str, ...]) -> None:
    """Print `rows` as an aligned plain-text table of `columns`."""
    cells = [[("" if row.get(column) is None else str(row.get(column))) for column in columns] for row in rows]
    widths = [max([len(column)] + [len(line[i]) for line in cells]) for i, column in enumerate(columns)]
    for line in [list(columns)] + cells:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def _print_body(body) -> None:
    if isinstance(body, bytes):
        sys.stdout.buffer.write(body)
    elif body is not None:
        print(json.dumps(body, indent=2))


@contextmanager
def _output(path: str | None):
    """A text file opened for CSV/JSON output, or standard output."""
    if path is None:
        yield sys.stdout
        return
    try:
        file = open(path, "w", newline="", encoding="utf-8")
    except OSError as error:
        raise UsageError(f"--output: {error}") from error
    with file:
        yield file


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser with a sub-command per registered verb (nested for `members export`)."""
    parser = argparse.ArgumentParser(
        prog="consortium-client",
        description="Scripted uploads and exports for the consortium back office. "
                    "CONSORTIUM_URL / CONSORTIUM_TOKEN override the saved config.",
    )
    groups = {(): parser.add_subparsers(dest="verb", required=True, metavar="COMMAND")}
    for cmd in COMMANDS:
        for depth in range(1, len(cmd.words)):
            prefix = cmd.words[:depth]
            if prefix not in groups:
                group = groups[prefix[:-1]].add_parser(prefix[-1], help=f"{' '.join(prefix)} commands")
                groups[prefix] = group.add_subparsers(dest=f"verb{depth}", required=True, metavar="COMMAND")
        sub = groups[cmd.words[:-1]].add_parser(cmd.words[-1], help=cmd.help, description=cmd.help)
        for flags, options in cmd.arguments:
            sub.add_argument(*flags, **options)
        sub.set_defaults(command=cmd)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI: 0 on success, 1 when the API refuses or cannot be reached, 2 on a usage error."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse already printed the usage problem (or --help)
        return int(exit_.code or 0)
    cmd: Command = args.command
    url = None
    try:
        settings = current_settings()
        url = getattr(args, "url", None) or settings.get("url")
        if not url:
            raise UsageError("no API address: run `consortium-client login --url URL --email EMAIL` "
                             "or set CONSORTIUM_URL")
        token = settings.get("token") if cmd.needs_token else None
        if cmd.needs_token and not token:
            raise UsageError("not logged in: run `consortium-client login` or set CONSORTIUM_TOKEN")
        return cmd.handler(ConsortiumClient(url, token), args) or 0
    except UsageError as error:
        print(f"consortium-client: {error}", file=sys.stderr)
        return 2
    except ApiError as error:
        print(error, file=sys.stderr)
        return 1
    except requests.RequestException as error:
        print(f"consortium-client: cannot reach {url}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
