#!/usr/bin/env python3
"""Print the `gh variable set` commands that hand Terraform's outputs to the workflows.

Reads `terraform output -json` documents (bootstrap first, then live) and prints one command per
known output, ready to review and paste (a list becomes compact JSON). Each CI role's ARN becomes
a variable of that job's GitHub environment only (the bootstrap's github_environments output
names them), as do the values only one job reads; the rest are repository variables.
Nothing here is secret: the workflows get AWS access through OIDC roles, never stored keys.
Outputs that do not exist yet (live, before its first apply) are listed on stderr. An optional
output that is null (no in-VPC runner, no pull-through cache) deletes its variable, so a workflow
never acts on a stale value: the runner choice falls back to GitHub-hosted runners.
"""

import argparse
import json
import re
import shlex
import sys

REPO_SCOPE = None

# Terraform output -> (GitHub variable, the job whose environment holds it, or REPO_SCOPE).
# The jobs are the keys of the bootstrap's github_environments output.
VARIABLES = {
    "aws_region": ("AWS_REGION", REPO_SCOPE),
    "backend_config": ("TF_BACKEND_CONFIG", REPO_SCOPE),
    "plan_pr_role_arn": ("PLAN_PR_ROLE_ARN", REPO_SCOPE),
    "plan_role_arn": ("PLAN_ROLE_ARN", "plan"),
    "apply_role_arn": ("APPLY_ROLE_ARN", "apply"),
    "ecr_push_role_arn": ("ECR_PUSH_ROLE_ARN", "ecr_push"),
    "platform_sync_role_arn": ("PLATFORM_SYNC_ROLE_ARN", "platform_sync"),
    "deploy_role_arn": ("DEPLOY_ROLE_ARN", "deploy"),
    "ecr_repository_url": ("ECR_REPOSITORY_URL", REPO_SCOPE),
    "cluster_name": ("CLUSTER_NAME", REPO_SCOPE),
    "vpc_id": ("VPC_ID", REPO_SCOPE),
    "target_group_arn": ("TARGET_GROUP_ARN", "deploy"),
    "public_subnet_cidrs": ("PUBLIC_SUBNET_CIDRS", "deploy"),
    "app_url": ("APP_URL", "deploy"),
    # CI_RUNNER_PROJECT is read in `runs-on`, evaluated before the job's environment applies, so
    # both facts about reaching the cluster are repository variables.
    "cluster_endpoint_access": ("CLUSTER_ENDPOINT_ACCESS", REPO_SCOPE),
    "ci_runner_project": ("CI_RUNNER_PROJECT", REPO_SCOPE),
    # Read by the platform sync only (its images move to the pull-through cache).
    "image_registry_cache": ("IMAGE_REGISTRY_CACHE", "platform_sync"),
}

# Outputs that are null when their feature is off.
OPTIONAL = {"ci_runner_project", "image_registry_cache"}


def load_outputs(path):
    """Merge-ready {name: value} from one `terraform output -json` file; ValueError if malformed."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as err:
        raise ValueError(f"{path}: cannot read: {err.strerror}") from err
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not JSON ({err}); pass `terraform output -json`") from err
    if not isinstance(document, dict):
        raise ValueError(f"{path}: expected a JSON object of outputs")
    values = {}
    for name, output in document.items():
        if not isinstance(output, dict) or "value" not in output:
            raise ValueError(f"{path}: output {name!r} has no value; pass `terraform output -json`")
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
        if value is None and name in OPTIONAL:
            words = ["gh", "variable", "delete", variable]
            if repo:
                words += ["--repo", repo]
            if job:
                words += ["--env", environment_of(job, outputs)]
            # Deleting a variable that does not exist fails; that outcome is the wanted one.
            lines.append(" ".join(shlex.quote(word) for word in words) + " || true")
            continue
        if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
            value = json.dumps(value, separators=(",", ":"))
        if not isinstance(value, str) or not value:
            raise ValueError(
                f"output {name!r} must be a non-empty string or list of strings, got {value!r}"
            )
        words = ["gh", "variable", "set", variable]
        if repo:
            words += ["--repo", repo]
        if job:
            words += ["--env", environment_of(job, outputs)]
        words += ["--body", value]
        lines.append(" ".join(shlex.quote(word) for word in words))
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outputs", nargs="+", help="files holding `terraform output -json`")
    parser.add_argument("--repo", default="", help="owner/name; default: the current checkout's")
    args = parser.parse_args(argv)
    if args.repo and not re.match(r"^[\w.-]+/[\w.-]+$", args.repo):
        parser.error(f"--repo must be owner/name, got {args.repo!r}")
    merged = {}
    try:
        for path in args.outputs:
            merged.update(load_outputs(path))
        lines = commands(merged, args.repo)
    except ValueError as err:
        print(f"gh-vars: {err}", file=sys.stderr)
        return 2
    if not lines:
        print(
            "gh-vars: none of the known outputs is there: apply terraform/bootstrap first",
            file=sys.stderr,
        )
        return 2
    missing = [name for name in VARIABLES if name not in merged]
    if missing:
        print(
            f"gh-vars: not in these outputs yet (run again after the next apply): "
            f"{', '.join(missing)}",
            file=sys.stderr,
        )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
