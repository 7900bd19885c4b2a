#!/usr/bin/env python3
"""Write (or --check) the inputs/outputs tables in each Terraform README.

The tables sit between <!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS --> and come from the
variable and output blocks of the config next to the README (terraform fmt layout assumed).

terraform-docs is the field's tool for this, and these are its markers, so it can take over
unchanged. It ships only as a Go binary (release downloads or `go install`), neither of which
this offline toolchain has; this script does the one thing the checks need from it.

Usage: docs.py [--check] CONFIG_DIR...
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"
BLOCK = re.compile(r'^(variable|output) "([^"]+)" \{\n(.*?)^\}', re.M | re.S)
DESCRIPTION = re.compile(r'^  description\s*=\s*"((?:[^"\\]|\\.)*)"', re.M)


def attribute(body: str, name: str) -> str | None:
    """Source text of a top-level attribute, brackets balanced, on one line."""
    match = re.search(rf"^  {name}\s*=\s*", body, re.M)
    if not match:
        return None
    depth, out = 0, []
    for line in body[match.end() :].splitlines():
        out.append(line.strip())
        depth += line.count("{") + line.count("[") + line.count("(")
        depth -= line.count("}") + line.count("]") + line.count(")")
        if depth <= 0:
            break
    text = out[0]
    for line in out[1:]:
        opener = text.endswith(("{", "[", "(", ","))
        closer = line.startswith(("}", "]", ")"))
        text += line if opener or closer else ", " + line
    return re.sub(r"\s+", " ", re.sub(r",\s*([}\])])", r"\1", text))


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace('\\"', '"')


def tables(config: Path) -> str:
    inputs, outputs = [], []
    for tf in sorted(config.glob("*.tf")):
        for kind, name, body in BLOCK.findall(tf.read_text(encoding="utf-8")):
            desc = DESCRIPTION.search(body)
            description = cell(desc.group(1)) if desc else ""
            if kind == "variable":
                default = attribute(body, "default")
                shown = "required" if default is None else f"`{cell(default)}`"
                inputs.append(
                    f"| `{name}` | {description} | `{cell(attribute(body, 'type') or 'any')}` | {shown} |"
                )
            else:
                outputs.append(f"| `{name}` | {description} |")
    lines = ["## Inputs", ""]
    if inputs:
        lines += ["| Name | Description | Type | Default |", "| --- | --- | --- | --- |", *inputs]
    else:
        lines.append("None.")
    lines += ["", "## Outputs", "", "| Name | Description |", "| --- | --- |", *outputs]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    check = argv[:1] == ["--check"]
    configs = argv[1:] if check else argv
    if not configs:
        sys.exit(__doc__)
    stale = []
    for arg in configs:
        readme = Path(arg) / "README.md"
        if not readme.is_file():
            sys.exit(f"docs.py: {readme} is missing")
        text = readme.read_text(encoding="utf-8")
        if BEGIN not in text or END not in text:
            sys.exit(f"docs.py: {readme} has no {BEGIN} ... {END} section")
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        new = f"{head}{BEGIN}\n{tables(Path(arg))}\n{END}{tail}"
        if new != text:
            stale.append(str(readme))
            if not check:
                readme.write_text(new, encoding="utf-8")
    if check and stale:
        print(
            "docs.py: out of date (run 'make terraform-docs'): " + ", ".join(stale), file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
