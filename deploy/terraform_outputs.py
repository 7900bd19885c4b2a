"""`terraform output -json` files as the operator's scripts read them (gh_vars.py,
cluster_tunnel.py): every output with its value, or a ValueError naming the file and the fix."""

import json


def read(path):
    """{name: output}, each output Terraform's object with its value (and `sensitive` flag)."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as err:
        raise ValueError(f"{path}: cannot read: {err.strerror}") from err
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not JSON ({err}); pass `terraform output -json`") from err
    if not isinstance(document, dict):
        raise ValueError(f"{path}: expected a JSON object of outputs")
    for name, output in document.items():
        if not isinstance(output, dict) or "value" not in output:
            raise ValueError(f"{path}: output {name!r} has no value; pass `terraform output -json`")
    return document
