"""Structure of the Grafana dashboards: run by `make monitoring-lint` and `make monitoring-test`.

Each dashboard: canonical JSON (2-space indent, as `json.dumps` writes it), a stable unique uid,
a `datasource` variable of type datasource, every datasource reference through that variable
(no hard-coded datasource uid), no export leftovers, every panel with at least one query, and
only known variables in queries.
"""

import json
import sys
from pathlib import Path

from dashboards import dashboard_queries, load_dashboards, panels

DATASOURCE_REF = "${datasource}"


def datasource_refs(node, path="$"):
    """Yield (json path, value) of every "datasource" key in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "datasource":
                yield f"{path}.{key}", value
            yield from datasource_refs(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from datasource_refs(value, f"{path}[{index}]")


def check(path: Path, dashboard: dict) -> list[str]:
    problems = []
    text = path.read_text()
    if text != json.dumps(dashboard, indent=2, ensure_ascii=False) + "\n":
        problems.append(
            "not canonical JSON: rewrite it with json.dumps(indent=2) and a final newline"
        )
    uid = dashboard.get("uid")
    if not isinstance(uid, str) or not uid or len(uid) > 40:
        problems.append(f"uid must be a non-empty string of at most 40 characters, got {uid!r}")
    if not dashboard.get("title"):
        problems.append("no title")
    for leftover in ("__inputs", "__requires", "id"):
        if leftover in dashboard:
            problems.append(
                f"export leftover {leftover!r}: dashboards as code carry no instance ids"
            )
    variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
    ds_var = variables.get("datasource")
    if not ds_var or ds_var.get("type") != "datasource" or ds_var.get("query") != "prometheus":
        problems.append("no variable 'datasource' of type datasource with query 'prometheus'")
    for where, ref in datasource_refs(dashboard):
        if not (
            isinstance(ref, dict)
            and ref.get("uid") == DATASOURCE_REF
            and ref.get("type") == "prometheus"
        ):
            problems.append(
                f"{where} = {ref!r}: use {{'type': 'prometheus', 'uid': '{DATASOURCE_REF}'}}"
            )
    ids = [p.get("id") for p in panels(dashboard)]
    if len(ids) != len(set(ids)):
        problems.append(f"duplicate panel ids: {ids}")
    for panel in panels(dashboard):
        if panel.get("type") == "row":
            continue
        targets = panel.get("targets") or []
        if not targets or not all(t.get("expr", "").strip() for t in targets):
            problems.append(f"panel {panel.get('title')!r} has a target without a query")
    try:
        dashboard_queries(dashboard)
    except SystemExit as error:
        problems.append(str(error))
    return problems


def main() -> int:
    dashboards = load_dashboards()
    failures = 0
    seen_uids: dict[str, Path] = {}
    for path, dashboard in dashboards.items():
        problems = check(path, dashboard)
        uid = dashboard.get("uid")
        if uid in seen_uids:
            problems.append(f"uid {uid!r} is also used by {seen_uids[uid].name}")
        seen_uids[uid] = path
        for problem in problems:
            print(f"{path.name}: {problem}", file=sys.stderr)
        failures += len(problems)
    if failures:
        print(f"dashboards: {failures} problem(s)", file=sys.stderr)
        return 1
    print(f"dashboards: {len(dashboards)} checked, uids {sorted(seen_uids)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
