#!/usr/bin/env python3
"""Print terraform/live's published outputs as KEY=value lines, read from SSM at run time.

terraform/live writes each output the workflows need to <parameter_prefix>/<name> (see
terraform/live/parameters.tf); this reads them all with the AWS CLI, in the settings' region,
so a deploy always uses what the last apply produced. `make platform-outputs >>"$GITHUB_ENV"`
in a workflow; `eval "$(deploy/platform_outputs.py --export)"` in a shell.
"""

import argparse
import json
import shlex
import subprocess
import sys

import settings

# Parameter name -> environment variable, the names deploy.sh, smoke.py and the platform sync
# (platform/karpenter/sync.sh) read.
OUTPUTS = {
    "ecr_repository_url": "ECR_REPOSITORY_URL",
    "target_group_arn": "TARGET_GROUP_ARN",
    "public_subnet_cidrs": "PUBLIC_SUBNET_CIDRS",
    "vpc_id": "VPC_ID",
    "app_url": "APP_URL",
    "karpenter_isolated_vpc": "KARPENTER_ISOLATED_VPC",
    "karpenter_node_role_name": "KARPENTER_NODE_ROLE",
    "karpenter_interruption_queue": "KARPENTER_INTERRUPTION_QUEUE",
}
# Published only when their feature is on (terraform/live/parameters.tf).
OPTIONAL_OUTPUTS = {
    "image_registry_cache": "IMAGE_REGISTRY_CACHE",
}


class OutputsError(RuntimeError):
    pass


def read(shared):
    prefix = shared["parameter_prefix"]
    command = [
        "aws",
        "ssm",
        "get-parameters-by-path",
        "--path",
        prefix,
        "--region",
        shared["aws_region"],
        "--output",
        "json",
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    except FileNotFoundError as err:
        raise OutputsError("'aws' is not installed: install the AWS CLI") from err
    if done.returncode != 0:
        raise OutputsError(
            f"aws ssm get-parameters-by-path --path {prefix} failed: {done.stderr.strip()}"
        )
    found = {
        parameter["Name"].removeprefix(prefix + "/"): parameter["Value"]
        for parameter in json.loads(done.stdout or "{}").get("Parameters", [])
    }
    missing = [name for name in OUTPUTS if name not in found]
    if missing:
        raise OutputsError(
            f"no {', '.join(prefix + '/' + name for name in missing)} in {shared['aws_region']}:"
            " apply terraform/live first (the infra workflow, or make terraform-live-plan terraform-live-apply)"
        )
    values = {OUTPUTS[name]: found[name] for name in OUTPUTS}
    values.update({key: found[name] for name, key in OPTIONAL_OUTPUTS.items() if name in found})
    for key, value in values.items():
        if not value or "\n" in value:
            raise OutputsError(f"{key}: {value!r} is not a one-line value")
    return values


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export", action="store_true", help="print shell `export` lines")
    parser.add_argument("--settings", default=settings.SETTINGS_FILE, help="default: %(default)s")
    args = parser.parse_args(argv)
    try:
        values = read(settings.load(args.settings))
    except (settings.SettingsError, OutputsError) as err:
        print(f"platform-outputs: error: {err}", file=sys.stderr)
        return 2
    for key, value in values.items():
        print(f"export {key}={shlex.quote(value)}" if args.export else f"{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
