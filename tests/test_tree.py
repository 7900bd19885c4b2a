"""Checks over the whole tree's text: it speaks of the product only, and every checkov skip
gives its reason.

Product text (code, comments, docs, commit-ready files) explains itself by technical reasons;
wording about how it was produced ("the previous session", "the issue asks") says nothing to a
reader of the product and goes stale at once.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROCESS_WORDING = re.compile(
    r"\b(previous|earlier|this|next|last|prior) session\b"
    r"|\bthe (issue|task|brief|ticket|assignment|coordinator|reviewer)s? "
    r"(asks?|asked|wants?|wanted|requires?|required|says?|said|requested)\b"
    r"|\bas (requested|asked for)\b"
    r"|\b(asks|asked) for in the (issue|task|brief)\b"
    r"|\bper the (issue|task|brief)\b",
    re.IGNORECASE,
)
CHECKOV_SKIP = re.compile(r"checkov:skip=([A-Z0-9_]+)(?::\s*(.*))?")


def text_files(tracked: list[Path]) -> list[Path]:
    files = []
    for path in tracked:
        if path.resolve() == Path(__file__).resolve():
            continue
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        files.append(path)
    return files


@pytest.fixture(scope="module")
def files(tracked_files) -> list[Path]:
    found = text_files(tracked_files())
    assert len(found) > 50, "the tree listing looks wrong"
    return found


def findings(files: list[Path], pattern: re.Pattern, keep=lambda m: True) -> list[str]:
    out = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in pattern.finditer(line):
                if keep(match):
                    out.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return out


def test_no_text_about_how_the_tree_was_made(files):
    found = findings(files, PROCESS_WORDING)
    assert found == [], "say the technical reason instead:\n" + "\n".join(found)


def test_process_wording_pattern_catches_the_known_phrasings():
    for text in (
        "the previous session's method",
        "the logs the issue asks for",
        "as requested by the reviewer",
        "per the brief",
    ):
        assert PROCESS_WORDING.search(text), text
    for text in ("an AWS session token", "GitHub issues", "the request asks for 5 MiB"):
        assert not PROCESS_WORDING.search(text), text


def test_every_checkov_skip_gives_a_reason(files):
    found = findings(files, CHECKOV_SKIP, keep=lambda m: len((m.group(2) or "").split()) < 3)
    assert found == [], "a skip needs '#checkov:skip=ID:reason':\n" + "\n".join(found)


NAME_RULE = re.compile(
    r'variable "(?:name|cluster_name)" \{.*?condition\s*=\s*(can\(regex\("([^"]+)"[^\n]*)',
    re.DOTALL,
)
# The configs that receive the cluster name itself: one value, so one rule (its 28-character
# limit leaves room for the suffixes of the NLB and IAM names made from it).
CLUSTER_NAME_CONFIGS = {"bootstrap", "live", "modules/eks", "modules/network", "modules/nlb"}


def name_rules() -> dict[str, tuple[str, str]]:
    rules = {}
    for path in sorted((ROOT / "terraform").glob("**/variables.tf")):
        if ".terraform" in path.parts or path.parent.name == "ecr":
            continue  # ECR repository names follow the registry's own rule
        found = NAME_RULE.search(path.read_text())
        if found:
            config = path.parent.relative_to(ROOT / "terraform").as_posix()
            rules[config] = (found.group(2), found.group(1))
    return rules


def accepts(rule: tuple[str, str], name: str) -> bool:
    regex, condition = rule
    trailing_hyphen_refused = "!endswith(var." in condition
    return bool(re.search(regex, name)) and not (trailing_hyphen_refused and name.endswith("-"))


def test_the_cluster_name_rule_is_written_the_same_wherever_the_name_goes():
    """Terraform cannot share a validation between modules, so the copies are held equal here."""
    rules = name_rules()
    assert CLUSTER_NAME_CONFIGS <= rules.keys(), rules
    assert len({rules[c][0] for c in CLUSTER_NAME_CONFIGS}) == 1, rules


def test_every_name_rule_refuses_what_aws_names_refuse():
    for config, rule in name_rules().items():
        assert accepts(rule, "webapp"), config
        for bad in ("webapp-", "9webapp", "web_app", "web.app", ""):
            assert not accepts(rule, bad), (config, bad)
