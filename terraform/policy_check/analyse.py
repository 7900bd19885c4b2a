#!/usr/bin/env python3
"""parliament and cloudsplaining over the extracted policy documents, with reasoned exclusions.

Input: the JSON list extract.py writes ({address, attribute, kind, document}). Every finding of
either tool must be covered by an entry of exclusions.yaml that names the document, the finding
and the reason; an entry that no longer matches anything is an error too, so the file only
shrinks with the policies. Exit 0: no unexplained finding; 1: findings; 2: bad input.

- parliament (every document): unknown actions and prefixes, resource mismatches, malformed
  statements, Resource "*" where the action supports resource ARNs.
- cloudsplaining (identity, key and resource policies): privilege escalation, resource exposure,
  data exfiltration and credentials exposure, for every risky action whether or not an ARN or a
  condition scopes it (the CLI's --flag-all-risky-actions); the tool ignores conditions and
  Deny statements, so each exclusion says which condition, ARN or deny scopes the action.
"""

import argparse
import fnmatch
import json
import pathlib
import sys

import parliament
import yaml
from cloudsplaining.command.scan_policy_file import scan_policy

HERE = pathlib.Path(__file__).resolve().parent
CLOUDSPLAINING_CATEGORIES = (
    "PrivilegeEscalation",
    "ResourceExposure",
    "DataExfiltration",
    "CredentialsExposure",
)
# Trust policies hold sts:AssumeRole* for a principal only: cloudsplaining's identity-policy
# categories do not apply to them, parliament does.
CLOUDSPLAINING_KINDS = ("identity", "key", "resource")


class InputError(ValueError):
    pass


def parliament_findings(document):
    """[(issue, items)] for one document; items are the actions or details the finding names."""
    policy = parliament.analyze_policy_string(json.dumps(document), ignore_private_auditors=True)
    found = []
    for finding in policy.findings:
        detail = finding.detail
        if isinstance(detail, list):
            items = sorted(str(item) for item in detail)
        elif detail in (None, ""):
            items = []
        else:
            items = [json.dumps(detail, sort_keys=True) if not isinstance(detail, str) else detail]
        found.append((finding.issue, items))
    return found


def cloudsplaining_findings(document):
    """[(category, items)] for one document; items are actions or escalation method names."""
    # Every risky action, scoped by ARN or condition or not (the CLI's --flag-all-risky-actions):
    # an iam:* on role/<prefix>-* is an escalation path even though it names resources.
    results = scan_policy(
        document, {}, flag_conditional_statements=True, flag_resource_arn_statements=True
    )
    found = []
    for category in CLOUDSPLAINING_CATEGORIES:
        items = []
        for item in (results.get(category) or {}).get("findings") or []:
            items.append(item["type"] if isinstance(item, dict) else str(item))
        if items:
            found.append((category, sorted(items)))
    return found


def load_exclusions(path):
    """[{tool, address or kind, finding, items, reason}]; ValueError names a bad entry."""
    try:
        data = yaml.safe_load(pathlib.Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise InputError(f"{path}: cannot read exclusions: {err}") from err
    unknown = set(data) - {"parliament", "cloudsplaining"}
    if unknown:
        raise InputError(f"{path}: unknown sections {sorted(unknown)}")
    entries = []
    for tool in ("parliament", "cloudsplaining"):
        for index, entry in enumerate(data.get(tool) or []):
            where = f"{path}: {tool}[{index}]"
            if not isinstance(entry, dict) or not str(entry.get("reason", "")).strip():
                raise InputError(f"{where}: every exclusion needs a reason")
            if bool(entry.get("address")) == bool(entry.get("kind")):
                raise InputError(f"{where}: name either the document (address) or a kind")
            if not entry.get("finding"):
                raise InputError(f"{where}: name the finding (issue or category)")
            if not entry.get("items"):
                raise InputError(f"{where}: list the items (actions or methods) it covers")
            entries.append({**entry, "tool": tool})
    return entries


def covered(entry, tool, policy, finding, items):
    """The entry explains this finding: same tool, document (or kind), finding, every item."""
    return (
        entry["tool"] == tool
        and entry.get("address", policy["address"]) == policy["address"]
        and entry.get("kind", policy["kind"]) == policy["kind"]
        and entry["finding"] == finding
        and all(any(fnmatch.fnmatchcase(i, p) for p in entry["items"]) for i in items)
    )


def analyse(policies, exclusions):
    """(unexplained findings, unused exclusions, explained count) for the extracted documents."""
    unexplained, used, explained = [], set(), 0
    for policy in policies:
        if not isinstance(policy, dict) or not {"address", "kind", "document"} <= set(policy):
            raise InputError(f"not an extracted policy: {json.dumps(policy)[:200]}")
        checks = [("parliament", parliament_findings(policy["document"]))]
        if policy["kind"] in CLOUDSPLAINING_KINDS:
            checks.append(("cloudsplaining", cloudsplaining_findings(policy["document"])))
        for tool, findings in checks:
            for finding, items in findings:
                match = [
                    i for i, e in enumerate(exclusions) if covered(e, tool, policy, finding, items)
                ]
                if match:
                    used.update(match)
                    explained += 1
                else:
                    unexplained.append(f"{policy['address']}: {tool} {finding}: {', '.join(items)}")
    unused = [
        f"{e['tool']} {e.get('address') or e.get('kind')} {e['finding']}"
        for i, e in enumerate(exclusions)
        if i not in used
    ]
    return unexplained, unused, explained


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("policies", type=pathlib.Path, help="extract.py's JSON list")
    parser.add_argument("--exclusions", type=pathlib.Path, default=HERE / "exclusions.yaml")
    args = parser.parse_args(argv)
    try:
        policies = json.loads(args.policies.read_text(encoding="utf-8"))
        if not isinstance(policies, list) or not policies:
            raise InputError(f"{args.policies}: expected a non-empty JSON list of policies")
        unexplained, unused, explained = analyse(policies, load_exclusions(args.exclusions))
    except (OSError, json.JSONDecodeError, InputError) as err:
        print(f"policy-analyse: {err}", file=sys.stderr)
        return 2
    for line in unexplained:
        print(f"FINDING {line}")
    for line in unused:
        print(f"UNUSED EXCLUSION {line} (remove it)")
    print(
        f"policy-analyse: {len(policies)} documents, {explained} findings explained in "
        f"{args.exclusions.name}, {len(unexplained)} unexplained, {len(unused)} unused exclusions"
    )
    return 1 if unexplained or unused else 0


if __name__ == "__main__":
    sys.exit(main())
