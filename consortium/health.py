"""`/healthz`: what a load balancer and a monitor poll.

Three checks, each reported by name: the database answers, its schema is at the newest
migration, and the scheduler wrote its heartbeat recently. The answer is 200 when every check
asked for passes, else 503. `?scope=web` checks only what a web worker needs (database and
migrations): a load balancer should poll that, so a stopped scheduler does not take every web
server out of rotation; a monitor polls the full check and pages someone.
"""

import ast
from functools import cache

from flask import Blueprint, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from consortium.db import as_utc
from consortium.extensions import db
from consortium.migrations import DIRECTORY as MIGRATIONS

blp = Blueprint("health", __name__)


def _revision_ids(path) -> tuple[str, set[str]]:
    """(revision, the revisions it follows) as the migration file assigns them."""
    values = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                    values[target.id] = ast.literal_eval(node.value)
    follows = values.get("down_revision") or ()
    return values["revision"], {follows} if isinstance(follows, str) else set(follows)


@cache
def migration_heads() -> frozenset[str]:
    """The newest revision(s) of the migrations shipped with this code: those no other revision follows.

    Read from the files, not through Alembic, which each web worker polled here would otherwise import (about
    11 MB of its memory); tests/platform/test_health.py checks the answer against Alembic's own.
    """
    revisions, followed = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        revision, follows = _revision_ids(path)
        revisions.add(revision)
        followed |= follows
    return frozenset(revisions - followed)


def health_report(scope: str = "all") -> tuple[bool, dict]:
    """(healthy, checks): each check is {"ok": bool, ...details}."""
    from consortium import scheduler

    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
        applied = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
        checks["migrations"] = {"ok": applied == migration_heads(), "applied": sorted(applied),
                                "expected": sorted(migration_heads())}
        if scope != "web":
            heartbeat = scheduler.scheduler_heartbeat(db.session)
            checks["scheduler"] = {"ok": scheduler.scheduler_alive(heartbeat),
                                   "last_heartbeat": as_utc(heartbeat.beat_at).isoformat() if heartbeat else None}
    except SQLAlchemyError as error:
        db.session.rollback()
        checks["database"] = {"ok": False, "error": error.__class__.__name__}
    finally:
        db.session.rollback()  # read-only: never hold a transaction open
    return all(check["ok"] for check in checks.values()) and "database" in checks, checks


@blp.route("/healthz")
def healthz():
    """200 if the database answers, the schema is current and (unless ?scope=web) the scheduler is alive; else 503."""
    scope = "web" if request.args.get("scope") == "web" else "all"
    healthy, checks = health_report(scope)
    response = jsonify({"status": "ok" if healthy else "unavailable", "checks": checks})
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
