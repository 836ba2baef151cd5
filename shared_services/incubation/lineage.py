"""The lineage tree: every co-op under the co-op that sponsored it, as generations (runners of runners),
with the projects still being incubated as leaves; as a JSON-ready dict and as a server-drawn SVG.

Everything is read in two queries (all co-ops, all projects) and assembled in memory.
"""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from html import escape
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from consortium.i18n import _, _l, format_date, lazy_pgettext
from consortium.models import Tenant
from shared_services.incubation.models import STAGE_LABELS, IncubationProject, StageChange

STATUS_LABELS = {"active": lazy_pgettext("co-op", "Member"), "incubating": _l("Incubating"), "left": _l("Left")}


def lineage_tree(session, *, as_of: date | None = None, tenants=None) -> dict:
    """Every co-op with its spin-outs and live projects nested under it; roots are co-ops with no sponsor.

    A node: kind ('coop' or 'project'), id, slug, name, status, stage, founding_date (ISO date), generation
    (1 for roots), project_id, children. The dict is JSON-ready as it stands, so the API sends it without a
    per-node schema pass (which cost more than building the tree at 2,000 co-ops). A co-op that came out of a
    project carries that project's stage.

    `as_of` (a day, in the consortium's time zone) gives the lineage as it stood at that day's end; see
    `_as_of`. Without it, the lineage as it stands now. `tenants`: the directory's rows (`lineage_tenants`) when
    the caller has read them already.
    """
    if tenants is None:
        tenants = session.execute(lineage_tenants()).all()
    projects = session.execute(select(IncubationProject.id, IncubationProject.working_name, IncubationProject.stage,
                                      IncubationProject.sponsor_id, IncubationProject.tenant_id,
                                      IncubationProject.started_on, IncubationProject.converted_at)
                               .order_by(IncubationProject.working_name, IncubationProject.id)).all()
    if as_of is not None:
        tenants, projects = _as_of(session, tenants, projects, as_of)
    from_project = {p.tenant_id: p for p in projects if p.tenant_id is not None}
    nodes, children = {}, defaultdict(list)
    for t in tenants:
        project = from_project.get(t.id)
        nodes[t.id] = {"kind": "coop", "id": t.id, "slug": t.slug, "name": t.name, "status": t.status,
                       "stage": project.stage if project else None,
                       "founding_date": t.founding_date.isoformat() if t.founding_date else None,
                       "project_id": project.id if project else None, "generation": None, "children": []}
        if t.sponsor_id is not None:
            children[t.sponsor_id].append(nodes[t.id])
    for p in projects:
        if p.tenant_id is None and p.stage != "closed":
            children[p.sponsor_id].append({
                "kind": "project", "id": p.id, "slug": None, "name": p.working_name, "status": "incubating",
                "stage": p.stage, "founding_date": None, "project_id": p.id, "generation": None, "children": []})
    for parent_id, kids in children.items():
        if parent_id in nodes:
            # co-ops first, then projects, each by name
            nodes[parent_id]["children"] = sorted(kids, key=lambda n: (n["kind"] != "coop", n["name"]))
    roots = [nodes[t.id] for t in tenants if t.sponsor_id is None or t.sponsor_id not in nodes]
    generations = _number_generations(roots)
    # A sponsor chain that loops (the directory refuses them) never reaches a root: cut the loop above the
    # first such co-op and show it as a root rather than lose it.
    for t in tenants:
        if nodes[t.id]["generation"] is None:
            sponsor = nodes[t.sponsor_id]
            sponsor["children"] = [c for c in sponsor["children"] if c is not nodes[t.id]]
            roots.append(nodes[t.id])
            generations = max(generations, _number_generations([nodes[t.id]]))
    return {"generations": generations, "coops": len(tenants),
            "projects": sum(1 for p in projects if p.tenant_id is None and p.stage != "closed"), "roots": roots}


def lineage_tenants(*columns):
    """The directory's rows the tree is built from, in its order (every co-op, whatever its status); `columns`
    adds more of the directory's columns for a caller that reads them in the same query."""
    return select(Tenant.id, Tenant.slug, Tenant.name, Tenant.status, Tenant.founding_date, Tenant.sponsor_id,
                  *columns).order_by(Tenant.name, Tenant.id)


class _Project(dict):
    """A project row as it stood on a past day (attribute access like the query's rows)."""

    __getattr__ = dict.__getitem__


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # SQLite hands timestamps back naive (UTC)


def _as_of(session, tenants, projects, as_of: date):
    """The directory and the projects as they stood at the end of `as_of` in the consortium's time zone.

    - A co-op that came out of a project is a co-op once converted (`converted_at` by then; with none recorded,
      from its founding date); before that it is its project, if the project had started.
    - Any other co-op counts from its founding date (a co-op with none stated counts in every year).
    - A project counts from `started_on` until it was closed (its stage change to `closed`); one marked closed
      with no such change is left out, as today. Its stage is the one it had reached by then.
    - A co-op's status (member, left) is today's: the directory keeps no date of leaving.
    """
    end = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=ZoneInfo(current_app.config[
        "CONSORTIUM_TIMEZONE"])).astimezone(UTC)
    history = defaultdict(list)  # project id -> [(at, from, to)], oldest first
    for change in session.execute(select(StageChange.project_id, StageChange.from_stage, StageChange.to_stage,
                                         StageChange.at).order_by(StageChange.at, StageChange.id)):
        history[change.project_id].append((_utc(change.at), change.from_stage, change.to_stage))
    founded = {t.id: t.founding_date is None or t.founding_date <= as_of for t in tenants}
    # a project linked to its co-op with no conversion time (not written by `convert_project`) counts from the
    # co-op's founding date, like any other co-op
    converted = {p.tenant_id for p in projects if p.tenant_id is not None
                 and (_utc(p.converted_at) < end if p.converted_at is not None else founded.get(p.tenant_id))}
    by_tenant = {p.tenant_id for p in projects if p.tenant_id is not None}
    kept_tenants = [t for t in tenants if t.id in converted or (t.id not in by_tenant and founded[t.id])]
    kept_projects = []
    for p in projects:
        if p.tenant_id in converted:
            kept_projects.append(p)
            continue
        if p.started_on > as_of:
            continue
        changes = history.get(p.id, [])
        before = [c for c in changes if c[0] < end]
        if before:
            stage = before[-1][2]
        elif changes:
            stage = changes[0][1] or "idea"
        else:
            stage = p.stage
        if stage == "closed":
            continue
        kept_projects.append(_Project(p._asdict(), stage=stage, tenant_id=None))
    return kept_tenants, kept_projects


def _number_generations(roots: list[dict]) -> int:
    deepest, level, generation = 0, list(roots), 1
    while level:
        following = []
        for node in level:
            if node["generation"] is None:
                node["generation"] = deepest = generation
                following.extend(node["children"])
        level, generation = following, generation + 1
    return deepest


def walk(roots: list[dict]):
    """Every node of the tree, depth first, parents before children, with its parent (None for roots)."""
    stack = [(root, None) for root in reversed(roots)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        stack.extend((child, node) for child in reversed(node["children"]))


def node_label(node: dict) -> str:
    """What a node's second line says: the project's stage, or the co-op's status (and its incubation stage)."""
    if node["kind"] == "project":
        return _("Project · %(stage)s", stage=STAGE_LABELS[node["stage"]])
    label = str(STATUS_LABELS.get(node["status"], node["status"]))
    return f"{label} · {STAGE_LABELS[node['stage']]}" if node["stage"] else label


def node_founded(node: dict) -> date | None:
    """A node's founding date (co-ops only), as a date for the page's date filter."""
    return date.fromisoformat(node["founding_date"]) if node.get("founding_date") else None


def filter_tree(tree: dict, *, query: str | None = None, max_generation: int | None = None) -> dict:
    """A copy of the tree narrowed for the page.

    `query` keeps the nodes whose name or slug contains it (marked `match`), their ancestors and their
    descendants; `max_generation` folds deeper generations into a `hidden` count on their ancestor.
    """
    needle = (query or "").strip().lower()
    parent_of, keep = {}, set()
    if needle:
        matched = set()
        for node, parent in walk(tree["roots"]):
            parent_of[id(node)] = parent
            if needle in node["name"].lower() or needle in (node["slug"] or ""):
                matched.add(id(node))
        for node, _parent in walk(tree["roots"]):
            ancestor = parent_of[id(node)]
            while ancestor is not None and id(ancestor) not in matched:
                ancestor = parent_of[id(ancestor)]
            if id(node) in matched or ancestor is not None:
                keep.add(id(node))
                step = parent_of[id(node)]
                while step is not None:
                    keep.add(id(step))
                    step = parent_of[id(step)]

    def copy(node):
        kids = [c for c in node["children"] if not needle or id(c) in keep]
        shown = node | {"match": bool(needle) and needle in (node["name"].lower() + " " + (node["slug"] or "")),
                        "hidden": 0, "children": []}
        if max_generation is not None and node["generation"] >= max_generation:
            shown["hidden"] = sum(1 for kid in kids for _ in walk([kid]))
        else:
            shown["children"] = [copy(kid) for kid in kids]
        return shown

    roots = [copy(root) for root in tree["roots"] if not needle or id(root) in keep]
    deepest = max((node["generation"] for node, _ in walk(roots)), default=0)
    return {**tree, "roots": roots, "shown_generations": deepest,
            "matches": sum(1 for node, _ in walk(roots) if node["match"])}


def by_generation(roots: list[dict]) -> dict[int, list[tuple[dict, dict | None]]]:
    """The nodes of each generation with their parents, in tree order."""
    rows = defaultdict(list)
    for node, parent in walk(roots):
        rows[node["generation"]].append((node, parent))
    return dict(sorted(rows.items()))


# --- SVG --------------------------------------------------------------------------------------

NODE_WIDTH, NODE_HEIGHT, COLUMN, ROW, TOP, LEFT = 230, 32, 280, 40, 40, 12
MAX_NAME = 29
FILLS = {"active": "#e6f4ea", "incubating": "#fff4d6", "left": "#edf0f3", "project": "#e3effb", "closed": "#edf0f3"}
STROKES = {"active": "#2f855a", "incubating": "#b7791f", "left": "#8795a1", "project": "#2b6cb0", "closed": "#8795a1"}


def _short(text: str) -> str:
    return text if len(text) <= MAX_NAME else text[: MAX_NAME - 1] + "…"


def lineage_svg(tree: dict, *, project_url=None) -> str:
    """The (filtered) tree drawn left to right, one column per generation, one row per leaf.

    `project_url(project_id)` gives the link for project nodes (co-ops that came from a project link to it too).
    """
    positions, row = {}, 0
    ordered = list(walk(tree["roots"]))
    for node, _parent in ordered:
        if not node["children"]:
            positions[id(node)] = row
            row += 1
    for node, _parent in reversed(ordered):
        if node["children"]:
            positions[id(node)] = (positions[id(node["children"][0])] + positions[id(node["children"][-1])]) / 2
    columns = max((node["generation"] for node, _ in ordered), default=1)
    width = LEFT + (columns - 1) * COLUMN + NODE_WIDTH + 60
    height = TOP + max(row, 1) * ROW + 10
    picture_label = escape(_("Lineage of the consortium’s co-ops"))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="lineage" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="group" aria-label="{picture_label}" '
           f'font-family="DejaVu Sans, Verdana, sans-serif">']
    for generation in range(1, columns + 1):
        x = LEFT + (generation - 1) * COLUMN
        if generation % 2 == 0:
            out.append(f'<rect x="{x - 12}" y="0" width="{COLUMN}" height="{height}" fill="#f4f6f8"/>')
        title = _("Generation 1 · founders") if generation == 1 else _("Generation %(n)s", n=generation)
        out.append(f'<text x="{x}" y="22" font-size="13" font-weight="bold" fill="#52606d">{title}</text>')

    def place(node):
        return LEFT + (node["generation"] - 1) * COLUMN, TOP + positions[id(node)] * ROW

    for node, parent in ordered:
        if parent is None:
            continue
        px, py = place(parent)
        cx, cy = place(node)
        x1, y1, x2, y2 = px + NODE_WIDTH, py + NODE_HEIGHT / 2, cx, cy + NODE_HEIGHT / 2
        middle = (x1 + x2) / 2
        out.append(f'<path d="M{x1:.0f},{y1:.1f} C{middle:.0f},{y1:.1f} {middle:.0f},{y2:.1f} {x2:.0f},{y2:.1f}" '
                   f'fill="none" stroke="#9aa5b1" stroke-width="1.2"/>')
    for node, _parent in ordered:
        x, y = place(node)
        look = "project" if node["kind"] == "project" else node["status"]
        if node["kind"] == "project" and node["stage"] in ("paused", "closed"):
            look = "closed"
        stroke, stroke_width = (("#c0392b", 3) if node.get("match") else (STROKES.get(look, "#8795a1"), 1.2))
        dash = ' stroke-dasharray="5 3"' if node["kind"] == "project" else ""
        label = node_label(node)
        founded = (" — " + _("founded %(date)s", date=format_date(date.fromisoformat(node["founding_date"])))
                   if node.get("founding_date") else "")
        title = escape(f"{node['name']} — {label}{founded}")
        link = project_url(node["project_id"]) if project_url and node["project_id"] else None
        out.append(f'<a href="{escape(link)}">' if link else "<g>")
        out.append(f'<title>{title}</title>'
                   f'<rect x="{x}" y="{y:.1f}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="6" '
                   f'fill="{FILLS.get(look, "#fff")}" stroke="{stroke}" stroke-width="{stroke_width}"{dash}/>'
                   f'<text x="{x + 8}" y="{y + 13:.1f}" font-size="11.5" font-weight="bold" fill="#1f2933">'
                   f'{escape(_short(node["name"]))}</text>'
                   f'<text x="{x + 8}" y="{y + 26:.1f}" font-size="10" fill="#52606d">{escape(label)}</text>')
        if node.get("hidden"):
            out.append(f'<text x="{x + NODE_WIDTH + 6}" y="{y + 20:.1f}" font-size="11" fill="#52606d">'
                       f'+{node["hidden"]}</text>')
        out.append("</a>" if link else "</g>")
    out.append("</svg>")
    return "".join(out)
