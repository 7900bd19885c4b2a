#!/usr/bin/env python3
"""The platform's shared settings, read from terraform/settings.auto.tfvars.json.

terraform/bootstrap and terraform/live load that file themselves; the workflows, the deploy
scripts and `make gh-vars` read it through this script, so a region or a cluster name is
written once.

  settings.py env         KEY=value lines for $GITHUB_ENV (AWS_REGION, CLUSTER_NAME, ...)
  settings.py get NAME    one value, e.g. `settings.py get aws_region`
"""

import argparse
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
SETTINGS_FILE = ROOT / "terraform" / "settings.auto.tfvars.json"

# The same rules as the variables' validation blocks in terraform/bootstrap and terraform/live.
RULES = {
    "aws_region": (r"^[a-z]{2}(-[a-z]+)+-[0-9]$", "an AWS region code such as eu-west-1"),
    "cluster_name": (
        r"^[a-zA-Z][a-zA-Z0-9-]{0,27}$",
        "a letter, then letters, digits and hyphens, 28 characters at most",
    ),
    "ecr_repository_name": (
        r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$",
        "an ECR repository name",
    ),
    "parameter_prefix": (
        r"^(?!/(?i:aws|ssm))(/[A-Za-z0-9_.-]+)+$",
        "an SSM path such as /devops-eks-cluster/platform, not under /aws or /ssm",
    ),
}


class SettingsError(ValueError):
    pass


def load(path=SETTINGS_FILE):
    """The validated settings as a dict; SettingsError names the file and the fix."""
    path = pathlib.Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise SettingsError(f"{path}: cannot read: {err.strerror}") from err
    except json.JSONDecodeError as err:
        raise SettingsError(f"{path}: not JSON: {err}") from err
    if not isinstance(document, dict):
        raise SettingsError(f"{path}: expected a JSON object")
    problems = []
    for name in sorted(set(document) - set(RULES)):
        problems.append(f"{name}: not a shared setting (known: {', '.join(RULES)})")
    for name, (pattern, meaning) in RULES.items():
        value = document.get(name)
        if not isinstance(value, str) or not re.match(pattern, value):
            problems.append(f"{name} = {value!r} must be {meaning}")
    if problems:
        raise SettingsError(f"{path}: " + "; ".join(problems))
    return document


def environment(settings):
    return {name.upper(): value for name, value in settings.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=SETTINGS_FILE, help="default: %(default)s")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("env", help="KEY=value lines")
    get = commands.add_parser("get", help="one value")
    get.add_argument("name", choices=sorted(RULES))
    args = parser.parse_args(argv)
    try:
        settings = load(args.file)
    except SettingsError as err:
        print(f"settings: error: {err}", file=sys.stderr)
        return 2
    if args.command == "get":
        print(settings[args.name])
    else:
        for key, value in environment(settings).items():
            print(f"{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
