#!/usr/bin/env python3
"""The chart's checks over every values profile, called by make/chart.mk.

chart.py lint              helm lint --strict, every profile
chart.py render DIR        helm template, every profile, into DIR/<profile>.yaml
chart.py validate DIR      each object against the Kubernetes schemas of every supported
                           version (strict, offline), or against its vendored CRD
chart.py checkov DIR       checkov on each render: any failed check fails
"""

import os
import pathlib
import subprocess
import sys

import chartlib
import kubernetes_validate
import yaml
from crd_validate import Validator


def lint():
    for profile in chartlib.PROFILES:
        print(f"helm lint --strict: {profile}", flush=True)
        output = chartlib.helm(
            "lint",
            "--strict",
            str(chartlib.CHART),
            "--namespace",
            chartlib.NAMESPACE,
            *chartlib.profile_args(profile),
        )
        print(output.strip())


def render(out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    for profile in chartlib.PROFILES:
        target = out_dir / f"{profile}.yaml"
        target.write_text(chartlib.render_text(profile))
        print(f"rendered {profile}: {target}")


def rendered(out_dir):
    files = {profile: out_dir / f"{profile}.yaml" for profile in chartlib.PROFILES}
    missing = [str(path) for path in files.values() if not path.exists()]
    if missing:
        raise SystemExit(
            f"error: not rendered yet: {', '.join(missing)} (run 'chart.py render {out_dir}')"
        )
    return files


def validate(out_dir):
    crds = Validator()
    problems = 0
    for profile, path in rendered(out_dir).items():
        docs = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
        for doc in docs:
            name = f"{profile}: {doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
            if crds.covers(doc):
                found = [
                    f"{'/'.join(map(str, where)) or '.'}: {message}"
                    for where, message in crds.problems(doc)
                ]
                checked = "vendored CRD"
            else:
                found = kubernetes_problems(doc)
                checked = "Kubernetes " + ", ".join(
                    v.rsplit(".", 1)[0] for v in chartlib.KUBERNETES_VERSIONS
                )
            for problem in found:
                print(f"FAIL {name}: {problem}")
            problems += len(found)
            if not found:
                print(f"ok   {name} ({checked})")
    if problems:
        raise SystemExit(f"{problems} schema problems")


def kubernetes_problems(doc):
    found = []
    for version in chartlib.KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            found.append(
                f"no schema for {doc.get('apiVersion')} {doc.get('kind')} in Kubernetes {version}"
            )
        except kubernetes_validate.ValidationError as error:
            found.append(
                f"Kubernetes {version}: {'/'.join(map(str, error.path)) or '.'}: {error.message}"
            )
    return found


def checkov(out_dir):
    failed = []
    for profile, path in rendered(out_dir).items():
        command = [
            chartlib.find_tool("checkov"),
            "--framework",
            "kubernetes",
            "--skip-download",
            "--compact",
            "--quiet",
            "--file",
            str(path),
        ]
        config = chartlib.PROFILES[profile].get("checkov_config")
        if config:
            command += ["--config-file", str(chartlib.CHART / config)]
        print(f"checkov: {profile}", flush=True)
        env = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"}
        # From the repository root, so checkov also reads the repo-wide .checkov.yaml.
        result = subprocess.run(command, env=env, cwd=chartlib.ROOT, timeout=600, check=False)
        if result.returncode != 0:
            failed.append(profile)
    if failed:
        raise SystemExit(f"checkov failed for: {', '.join(failed)}")


def main(argv):
    on_renders = {"render": render, "validate": validate, "checkov": checkov}
    try:
        if argv == ["lint"]:
            lint()
        elif len(argv) == 2 and argv[0] in on_renders:
            on_renders[argv[0]](pathlib.Path(argv[1]))
        else:
            raise SystemExit(__doc__)
    except chartlib.RenderError as error:
        raise SystemExit(f"helm failed:\n{error}") from None
    except chartlib.ToolError as error:
        raise SystemExit(f"error: {error}") from None


if __name__ == "__main__":
    main(sys.argv[1:])
