"""Every alert is complete and has its runbook; every runbook has its alert.

An alert needs severity (page or ticket: Alertmanager routes on it), summary, description and
runbook_url = docs/runbooks/<alert>.md, and that file must exist. docs/runbooks/ holds nothing
but those pages and README.md, whose table must list every alert.
"""

import yaml
from dashboards import ROOT, RULES_DIR

RUNBOOK_DIR = ROOT / "docs/runbooks"
SEVERITIES = {"page", "ticket"}


def alerts() -> dict[str, dict]:
    found = {}
    for path in sorted(RULES_DIR.glob("*.yaml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    if rule["alert"] in found:
                        raise SystemExit(f"alert {rule['alert']} is defined twice")
                    found[rule["alert"]] = rule
    return found


def test_every_alert_has_its_runbook_and_every_runbook_its_alert():
    rules = alerts()
    problems = []
    for name, rule in rules.items():
        severity = rule.get("labels", {}).get("severity")
        if severity not in SEVERITIES:
            problems.append(f"{name}: severity {severity!r} is not one of {sorted(SEVERITIES)}")
        annotations = rule.get("annotations", {})
        for key in ("summary", "description"):
            if not annotations.get(key, "").strip():
                problems.append(f"{name}: no {key} annotation")
        expected = f"docs/runbooks/{name}.md"
        if annotations.get("runbook_url") != expected:
            problems.append(
                f"{name}: runbook_url is {annotations.get('runbook_url')!r}, expected {expected!r}"
            )
        if not (ROOT / expected).is_file():
            problems.append(f"{name}: {expected} does not exist")
    pages = {p.stem for p in RUNBOOK_DIR.glob("*.md") if p.name != "README.md"}
    for orphan in sorted(pages - rules.keys()):
        problems.append(f"docs/runbooks/{orphan}.md: no alert named {orphan}")
    index = (RUNBOOK_DIR / "README.md").read_text()
    for name in rules:
        if f"[{name}.md]({name}.md)" not in index:
            problems.append(f"docs/runbooks/README.md: {name} missing from the table")
    assert rules, "no alerts found"
    assert problems == [], "\n".join(problems)
