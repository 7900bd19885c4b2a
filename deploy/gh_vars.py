#!/usr/bin/env python3
"""Print the `gh variable set` commands for what the workflows need before any step runs.

Only values a job needs before it can read anything itself travel this way: the backend
settings and the six CI role ARNs from terraform/bootstrap (needed before terraform/live's
first apply), each ARN a variable of its own job's GitHub environment only (the bootstrap's
github_environments output names them), and live's runner selection (CI_RUNNER_PROJECT and
CLUSTER_ENDPOINT_ACCESS, read in `runs-on`, which is evaluated before a job starts). Everything else comes from the
repository (terraform/settings.auto.tfvars.json, read by deploy/settings.py) or from live's
outputs, which Terraform publishes to SSM and the jobs read at run time
(deploy/platform_outputs.py). Nothing here is secret: the workflows get AWS access through
OIDC roles, never through stored keys.

Usage: gh_vars.py BOOTSTRAP_OUTPUTS [LIVE_OUTPUTS] (each `terraform output -json`). Live's
outputs that do not exist yet (before its first apply) are listed on stderr. An optional output
that is null (no in-VPC runner) deletes its variable, so a workflow never acts on a stale value.
The bootstrap's aws_region output must equal the committed settings' region: a bootstrap
applied with other settings has CI role policies for the wrong region, so it is refused.
"""

import argparse
import re
import shlex
import sys

import settings
import terraform_outputs

REPO_SCOPE = None

# Terraform output -> (GitHub variable, the job whose environment holds it, or REPO_SCOPE).
# The jobs are the keys of the bootstrap's github_environments output; pull-request plans run
# outside any environment, so their role is a repository variable.
BOOTSTRAP_VARIABLES = {
    "backend_config": ("TF_BACKEND_CONFIG", REPO_SCOPE),
    "plan_pr_role_arn": ("PLAN_PR_ROLE_ARN", REPO_SCOPE),
    "plan_role_arn": ("PLAN_ROLE_ARN", "plan"),
    "apply_role_arn": ("APPLY_ROLE_ARN", "apply"),
    "ecr_push_role_arn": ("ECR_PUSH_ROLE_ARN", "ecr_push"),
    "platform_sync_role_arn": ("PLATFORM_SYNC_ROLE_ARN", "platform_sync"),
    "deploy_role_arn": ("DEPLOY_ROLE_ARN", "deploy"),
}
# CI_RUNNER_PROJECT is read in `runs-on`, evaluated before the job's environment applies, so
# both facts about reaching the cluster are repository variables.
LIVE_VARIABLES = {
    "cluster_endpoint_access": ("CLUSTER_ENDPOINT_ACCESS", REPO_SCOPE),
    "ci_runner_project": ("CI_RUNNER_PROJECT", REPO_SCOPE),
}
VARIABLES = {**BOOTSTRAP_VARIABLES, **LIVE_VARIABLES}

# Outputs that are null when their feature is off.
OPTIONAL = {"ci_runner_project"}


def load_outputs(path):
    """Merge-ready {name: value} from one `terraform output -json` file; ValueError if malformed."""
    values = {}
    for name, output in terraform_outputs.read(path).items():
        if name in VARIABLES and output.get("sensitive"):
            raise ValueError(f"{path}: output {name!r} is sensitive and must not become a variable")
        values[name] = output["value"]
    return values


def environment_of(job, outputs):
    environments = outputs.get("github_environments")
    if not isinstance(environments, dict) or not isinstance(environments.get(job), str):
        raise ValueError(
            f"no github_environments.{job} in the outputs: apply terraform/bootstrap (its "
            "github_environments output names each job's environment)"
        )
    return environments[job]


def commands(outputs, repo):
    lines = []
    for name, (variable, job) in VARIABLES.items():
        if name not in outputs:
            continue
        value = outputs[name]
        scope = ["--repo", repo] if repo else []
        if job:
            scope += ["--env", environment_of(job, outputs)]
        if value is None and name in OPTIONAL:
            words = ["gh", "variable", "delete", variable, *scope]
            # Deleting a variable that does not exist fails; that outcome is the wanted one.
            lines.append(" ".join(shlex.quote(word) for word in words) + " || true")
            continue
        if not isinstance(value, str) or not value:
            raise ValueError(f"output {name!r} must be a non-empty string, got {value!r}")
        words = ["gh", "variable", "set", variable, *scope, "--body", value]
        lines.append(" ".join(shlex.quote(word) for word in words))
    return lines


def check_region(outputs, shared):
    applied = outputs.get("aws_region")
    if applied != shared["aws_region"]:
        raise ValueError(
            f"terraform/bootstrap was applied with aws_region {applied!r}, but"
            f" terraform/settings.auto.tfvars.json says {shared['aws_region']!r}: apply"
            " terraform/bootstrap again with the committed settings (make bootstrap-apply)"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bootstrap", help="terraform/bootstrap's `output -json` in a file")
    parser.add_argument("live", nargs="?", help="terraform/live's `output -json`, once applied")
    parser.add_argument("--repo", default="", help="owner/name; default: the current checkout's")
    parser.add_argument("--settings", default=settings.SETTINGS_FILE, help="default: %(default)s")
    args = parser.parse_args(argv)
    if args.repo and not re.match(r"^[\w.-]+/[\w.-]+$", args.repo):
        parser.error(f"--repo must be owner/name, got {args.repo!r}")
    try:
        bootstrap = load_outputs(args.bootstrap)
        if not bootstrap:
            raise ValueError("no outputs: apply terraform/bootstrap first (make bootstrap-apply)")
        needed = [*BOOTSTRAP_VARIABLES, "aws_region", "github_environments"]
        missing = [name for name in needed if name not in bootstrap]
        if missing:
            raise ValueError(
                f"{args.bootstrap}: missing {', '.join(missing)}: apply terraform/bootstrap"
                " at this revision first (make bootstrap-apply)"
            )
        check_region(bootstrap, settings.load(args.settings))
        # Live also outputs the role ARNs it looked up; the bootstrap's are the ones to set.
        live = load_outputs(args.live) if args.live else {}
        live = {name: value for name, value in live.items() if name in LIVE_VARIABLES}
        lines = commands({**bootstrap, **live}, args.repo)
    except ValueError as err:
        print(f"gh-vars: {err}", file=sys.stderr)
        return 2
    not_yet = [name for name in LIVE_VARIABLES if name not in live]
    if not_yet:
        print(
            f"gh-vars: not in live's outputs yet (run again after its first apply):"
            f" {', '.join(not_yet)}",
            file=sys.stderr,
        )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
