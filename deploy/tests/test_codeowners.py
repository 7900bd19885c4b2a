"""CODEOWNERS covers every file that can change production: each file a workflow's `paths`
trigger on main matches, and the folders that hold the pipeline, the infrastructure and the
platform."""

import pathlib
import re

import yaml
from test_triggers import matches, tracked, triggers

ROOT = pathlib.Path(__file__).resolve().parents[2]
RULE = re.compile(r"^(/[\w.-]+(?:/[\w.-]+)*/?) (@[\w.-]+(?:/[\w.-]+)?)$")


def rules():
    lines = (ROOT / ".github" / "CODEOWNERS").read_text().splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def owned(name):
    for rule in rules():
        path = RULE.match(rule).group(1)[1:]
        if name == path or (path.endswith("/") and name.startswith(path)):
            return True
    return False


def test_every_rule_is_an_anchored_path_with_one_owner():
    owners = set()
    for rule in rules():
        found = RULE.match(rule)
        assert found, rule
        owners.add(found.group(2))
    assert len(owners) == 1


def test_the_production_folders_have_owners():
    for folder in (".github", "terraform", "platform", "deploy", "charts"):
        assert owned(f"{folder}/x"), folder


def test_every_file_that_triggers_a_production_change_has_an_owner():
    for name in ("app.yml", "infra.yml"):
        on = triggers(yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text()))
        paths = on["push"]["paths"]
        unowned = [f for f in tracked() if matches(f, paths) and not owned(f)]
        assert unowned == [], name
