#!/usr/bin/env python3
"""Every IAM policy document terraform/bootstrap and terraform/live send, from real plans.

Runs moto_server on a free loopback port, copies the Terraform tree to a temporary directory,
points the AWS provider at the emulator through `*_override.tf` files, and then:

1. in terraform/bootstrap, then terraform/live (which looks up the bootstrap's CI roles and
   boundary), plans and applies with -target only the resources whose policy the plan leaves
   unknown, and what they embed (the state bucket's ARN, the cluster's, the target group's);
2. runs `terraform plan -refresh=false -out` in both roots and reads `terraform show -json`.

A document comes from the plan's planned values, or, when the plan leaves it unknown because the
emulator cannot round-trip a resource, from the plan's prior state (what was applied). Writes
a JSON list of {address, attribute, kind, document}.
"""

import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
sys.path.insert(0, str(ROOT / "tools"))
import devtools  # noqa: E402

PROVIDER_OVERRIDE = TERRAFORM / "emulator" / "overrides" / "provider_override.tf"

ACCOUNT_ID = "123456789012"
BOOTSTRAP_VARS = {
    "state_bucket_name": "example-tf-state",
    "github_repository": "example-org/devops-eks",
}
# The default private endpoint needs the in-VPC runner, whose role and policy are analysed too.
LIVE_VARS = {
    "admin_principal_arns": f'["arn:aws:iam::{ACCOUNT_ID}:role/platform-admin"]',
    "ci_runner": (
        '{github_repository = "example-org/devops-eks", codeconnections_arn = '
        f'"arn:aws:codeconnections:eu-west-1:{ACCOUNT_ID}:connection/'
        '11111111-2222-3333-4444-555555555555"}'
    ),
}

# (resource type, attribute) -> kind of document.
POLICY_ATTRIBUTES = {
    ("aws_iam_role", "assume_role_policy"): "trust",
    ("aws_iam_role_policy", "policy"): "identity",
    ("aws_iam_policy", "policy"): "identity",
    ("aws_kms_key", "policy"): "key",
    ("aws_s3_bucket_policy", "policy"): "resource",
    ("aws_ecr_repository_policy", "policy"): "resource",
    ("aws_vpc_endpoint", "policy"): "resource",
    ("aws_sqs_queue_policy", "policy"): "resource",
    ("aws_sqs_queue", "policy"): "resource",
}


class ExtractError(RuntimeError):
    pass


def override(url, local_backend):
    """The emulator harness's provider override (every AWS endpoint on moto) for `url`."""
    text = PROVIDER_OVERRIDE.read_text().replace("EMULATOR_ENDPOINT", url)
    if local_backend:
        text += '\nterraform {\n  backend "local" {}\n}\n'
    return text


def copy_tree(work):
    ignore = shutil.ignore_patterns(".terraform", "*.tfstate*", "backend.hcl", "*.tfplan")
    for part in ("bootstrap", "live", "modules"):
        shutil.copytree(TERRAFORM / part, work / part, ignore=ignore)


def terraform(root, *args, env):
    started = time.monotonic()
    result = subprocess.run(
        ["terraform", f"-chdir={root}", *args, "-no-color"],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        raise ExtractError(
            f"terraform {' '.join(args)} failed in {root.name}:\n{result.stdout}\n{result.stderr}"
        )
    print(
        f"policy-extract: {root.name}: terraform {args[0]} ({time.monotonic() - started:.0f}s)",
        file=sys.stderr,
    )
    return result.stdout


def var_args(variables):
    return [arg for name, value in variables.items() for arg in ("-var", f"{name}={value}")]


def resources(module):
    """Every resource of a show -json module tree, child modules included."""
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from resources(child)


def unindexed(address):
    """module.a[0].aws_x.y["k"] -> module.a.aws_x.y: the configuration's form of an address."""
    return re.sub(r"\[[^\]]*\]", "", address)


def configured(module, prefix=""):
    """{(address without index, attribute)} that the configuration sets, child modules included."""
    found = set()
    for resource in module.get("resources", []):
        for attribute in resource.get("expressions", {}):
            found.add((prefix + resource["address"], attribute))
    for name, call in module.get("module_calls", {}).items():
        found |= configured(call.get("module", {}), f"{prefix}module.{name}.")
    return found


def documents(plan):
    """{(address, attribute): (kind, document)} from a show -json plan document.

    Only attributes the configuration sets: a key without a policy gets AWS's default, which
    Terraform never sends. A value the plan leaves unknown comes from the prior state (applied).
    """
    prior = {
        r["address"]: r.get("values", {})
        for r in resources(plan.get("prior_state", {}).get("values", {}).get("root_module", {}))
    }
    sent = configured(plan.get("configuration", {}).get("root_module", {}))
    found = {}
    for change in plan.get("resource_changes", []):
        if change.get("mode") != "managed" or change["change"]["actions"] == ["delete"]:
            continue
        after = change["change"].get("after") or {}
        unknown = change["change"].get("after_unknown") or {}
        address = change["address"]
        for (rtype, attribute), kind in POLICY_ATTRIBUTES.items():
            if change["type"] != rtype or (unindexed(address), attribute) not in sent:
                continue
            value = after.get(attribute)
            if unknown.get(attribute):
                value = prior.get(address, {}).get(attribute)
            if not value:
                raise ExtractError(
                    f"{address}: {attribute} is unknown after the plan and was never applied; "
                    "the emulator could not create what it embeds"
                )
            found[(address, attribute)] = (kind, json.loads(value))
    return found


def show_plan(root, env, variables, name):
    terraform(root, "plan", "-input=false", f"-out={name}", *variables, env=env)
    return json.loads(terraform(root, "show", "-json", name, env=env))


def unknown_policies(plan):
    """Addresses (without instance keys) whose configured policy the plan cannot know yet."""
    sent = configured(plan.get("configuration", {}).get("root_module", {}))
    found = set()
    for change in plan.get("resource_changes", []):
        unknown = change["change"].get("after_unknown") or {}
        for rtype, attribute in POLICY_ATTRIBUTES:
            address = unindexed(change["address"])
            if change["type"] == rtype and (address, attribute) in sent and unknown.get(attribute):
                found.add(address)
    return sorted(found)


def root_documents(root, env, variables):
    """Apply what the unknown policies need (their resources and what those embed), then plan."""
    targets = unknown_policies(show_plan(root, env, variables, "first.tfplan"))
    if targets:
        terraform(
            root,
            "apply",
            "-auto-approve",
            "-input=false",
            *[f"-target={target}" for target in targets],
            *variables,
            env=env,
        )
    terraform(
        root, "plan", "-refresh=false", "-input=false", "-out=extract.tfplan", *variables, env=env
    )
    return documents(json.loads(terraform(root, "show", "-json", "extract.tfplan", env=env)))


def extract(work):
    """[{address, attribute, kind, document}] for bootstrap and live, sorted by address."""
    copy_tree(work)
    subprocess.run([str(TERRAFORM / "scripts" / "terraform.sh"), "config"], check=True)
    env = {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(devtools.TERRAFORM_RC),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    found = {}
    # AWS managed policies exist only when moto loads them (the platform attaches five).
    moto_env = {"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    with devtools.moto_server(env=moto_env, log_path=work / "moto.log", timeout=60) as url:
        bootstrap, live = work / "bootstrap", work / "live"
        (bootstrap / "zz_emulator_override.tf").write_text(override(url, local_backend=False))
        (live / "zz_emulator_override.tf").write_text(override(url, local_backend=True))

        terraform(bootstrap, "init", "-backend=false", "-input=false", env=env)
        for key, value in root_documents(bootstrap, env, var_args(BOOTSTRAP_VARS)).items():
            found[(f"bootstrap.{key[0]}", key[1])] = value

        # terraform/live looks up the CI roles and the boundary that bootstrap applied.
        terraform(live, "init", "-input=false", env=env)
        for key, value in root_documents(live, env, var_args(LIVE_VARS)).items():
            found[(f"live.{key[0]}", key[1])] = value
    return [
        {"address": address, "attribute": attribute, "kind": kind, "document": document}
        for (address, attribute), (kind, document) in sorted(found.items())
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=pathlib.Path, help="where to write the JSON list")
    parser.add_argument("--keep", action="store_true", help="keep the temporary Terraform copy")
    args = parser.parse_args(argv)
    work = pathlib.Path(tempfile.mkdtemp(prefix="policy-extract-"))
    try:
        policies = extract(work)
    except (ExtractError, devtools.ToolError) as err:
        print(f"policy-extract: {err}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(policies, indent=2, sort_keys=True) + "\n")
    print(f"policy-extract: {len(policies)} documents in {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
