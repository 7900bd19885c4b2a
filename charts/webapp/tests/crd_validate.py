#!/usr/bin/env python3
"""Check custom resources against the vendored CRD schemas, as the API server would.

Plain jsonschema misses what the server adds to a CRD's openAPIV3Schema (vendor/crds/README.md):
it prunes unknown fields, drops nulls of non-nullable fields and applies defaults before
validating, enforces x-kubernetes-list-type uniqueness, and checks metadata as ObjectMeta. This
module emulates those rules, plus the one admission-webhook rule that bites a chart: a
TargetGroupBinding needs targetGroupARN or targetGroupName.

Usage: crd_validate.py [--schema-only] FILE...   ("-" reads standard input)
Prints `kind/name: path: message` per problem, then a summary; exits 1 on any problem.
"""

import argparse
import copy
import json
import pathlib
import re
import sys

import jsonschema
import yaml

CRD_DIR = pathlib.Path(__file__).resolve().parents[3] / "vendor" / "crds"

DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
OBJECT_META_FIELDS = {
    "name",
    "generateName",
    "namespace",
    "labels",
    "annotations",
    "finalizers",
    "ownerReferences",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
}


def load_schemas(crd_dir=CRD_DIR):
    """Map (apiVersion, kind) to the openAPIV3Schema of every served version."""
    schemas = {}
    for path in sorted(crd_dir.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if version.get("served"):
                schema = version["schema"]["openAPIV3Schema"]
                schemas[(f"{group}/{version['name']}", kind)] = schema
    if not schemas:
        raise SystemExit(f"no CRDs found in {crd_dir}")
    return schemas


def subschemas(schema):
    """Yield (key, child schema, is_item) for each schema nested in this one."""
    for name, child in schema.get("properties", {}).items():
        yield name, child, False
    if isinstance(schema.get("additionalProperties"), dict):
        yield None, schema["additionalProperties"], False
    if isinstance(schema.get("items"), dict):
        yield None, schema["items"], True
    for combinator in ("allOf", "anyOf", "oneOf"):
        for child in schema.get(combinator, []):
            yield None, child, False


def close_objects(schema):
    """Return a copy in which every pruning object rejects unknown fields and nullable accepts null.

    The server prunes fields of objects that declare properties, unless they set
    additionalProperties or x-kubernetes-preserve-unknown-fields; a typo there vanishes
    silently (or fails under strict field validation), so treat it as an error.
    """
    schema = copy.deepcopy(schema)
    stack = [schema]
    while stack:
        node = stack.pop()
        if (
            "properties" in node
            and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")
        ):
            node["additionalProperties"] = False
        if node.get("nullable") and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        stack.extend(child for _, child, _ in subschemas(node))
    return schema


def normalize(value, schema):
    """Drop nulls of non-nullable fields and apply defaults, as the server does first."""
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for key in list(value):
            child = properties.get(key, schema.get("additionalProperties"))
            if value[key] is None and not (isinstance(child, dict) and child.get("nullable")):
                del value[key]
            elif isinstance(child, dict):
                normalize(value[key], child)
        for key, child in properties.items():
            if key not in value and "default" in child:
                value[key] = copy.deepcopy(child["default"])
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            normalize(item, schema["items"])


def list_type_problems(value, schema, path=()):
    """Duplicates in x-kubernetes-list-type set and map lists."""
    problems = []
    if isinstance(value, list):
        list_type = schema.get("x-kubernetes-list-type")
        if list_type == "map":
            keys = schema.get("x-kubernetes-list-map-keys", [])
            seen = set()
            for item in value:
                fields = [(k, item.get(k) if isinstance(item, dict) else None) for k in keys]
                key = json.dumps(fields, sort_keys=True)
                if key in seen:
                    shown = ", ".join(f"{k}={v!r}" for k, v in fields)
                    problems.append((path, f"duplicate entry {shown} in a list-type map"))
                seen.add(key)
        elif list_type == "set":
            seen = []
            for item in value:
                if item in seen:
                    problems.append((path, f"duplicate value {item!r} in a list-type set"))
                seen.append(item)
        if isinstance(schema.get("items"), dict):
            for index, item in enumerate(value):
                problems += list_type_problems(item, schema["items"], path + (index,))
    elif isinstance(value, dict):
        properties = schema.get("properties", {})
        for key, item in value.items():
            child = properties.get(key, schema.get("additionalProperties"))
            if isinstance(child, dict):
                problems += list_type_problems(item, child, path + (key,))
    return problems


def metadata_problems(meta):
    """The ObjectMeta checks the server makes on every object."""
    if not isinstance(meta, dict):
        return [(("metadata",), "metadata must be an object")]
    problems = [
        (("metadata", key), "unknown ObjectMeta field")
        for key in sorted(set(meta) - OBJECT_META_FIELDS)
    ]
    name = meta.get("name")
    if not isinstance(name, str) or len(name) > 253 or not DNS_SUBDOMAIN.match(name):
        problems.append((("metadata", "name"), f"{name!r} is not a DNS subdomain name"))
    namespace = meta.get("namespace")
    if namespace is not None and (
        not isinstance(namespace, str) or len(namespace) > 63 or not DNS_LABEL.match(namespace)
    ):
        problems.append((("metadata", "namespace"), f"{namespace!r} is not a DNS label"))
    for field in ("labels", "annotations"):
        entries = meta.get(field)
        if entries is None:
            continue
        if not isinstance(entries, dict):
            problems.append((("metadata", field), "must be a map of strings"))
            continue
        for key, text in entries.items():
            if not isinstance(text, str):
                problems.append((("metadata", field, key), f"value {text!r} is not a string"))
        if field == "labels":
            problems += label_problems(entries)
    return problems


def label_problems(labels):
    problems = []
    for key, text in labels.items():
        prefix, _, name = str(key).rpartition("/")
        if (
            (prefix and not DNS_SUBDOMAIN.match(prefix))
            or len(name) > 63
            or not LABEL_NAME.match(name)
        ):
            problems.append((("metadata", "labels", key), "invalid label key"))
        if isinstance(text, str) and text and (len(text) > 63 or not LABEL_NAME.match(text)):
            problems.append((("metadata", "labels", key), f"invalid label value {text!r}"))
    return problems


def webhook_problems(doc):
    """Rules the controllers' validating webhooks add to the schemas."""
    spec = doc.get("spec") or {}
    if doc.get("kind") == "TargetGroupBinding" and not (
        spec.get("targetGroupARN") or spec.get("targetGroupName")
    ):
        return [
            (
                ("spec",),
                "TargetGroupBinding needs targetGroupARN or targetGroupName (admission webhook)",
            )
        ]
    return []


class Validator:
    def __init__(self, crd_dir=CRD_DIR, schema_only=False):
        self.raw = load_schemas(crd_dir)
        self.closed = {key: close_objects(schema) for key, schema in self.raw.items()}
        self.schema_only = schema_only

    def covers(self, doc):
        return (doc.get("apiVersion"), doc.get("kind")) in self.raw

    def kinds(self):
        return sorted(f"{kind} {api_version}" for api_version, kind in self.raw)

    def problems(self, doc):
        """Return [(path tuple, message)] for one custom resource covered by the vendored CRDs."""
        key = (doc.get("apiVersion"), doc.get("kind"))
        doc = copy.deepcopy(doc)
        normalize(doc, self.raw[key])
        found = metadata_problems(doc.get("metadata"))
        for error in jsonschema.Draft7Validator(self.closed[key]).iter_errors(doc):
            found.append((tuple(error.absolute_path), error.message))
        found += list_type_problems(doc, self.raw[key])
        if not self.schema_only:
            found += webhook_problems(doc)
        return found


def documents(path):
    text = sys.stdin.read() if path == "-" else pathlib.Path(path).read_text()
    return [doc for doc in yaml.safe_load_all(text) if doc]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "files", nargs="*", help="YAML files with one or more documents; - for stdin"
    )
    parser.add_argument(
        "--schema-only", action="store_true", help="skip the admission-webhook rules"
    )
    parser.add_argument("--list", action="store_true", help="print the kinds and versions covered")
    args = parser.parse_args(argv)
    validator = Validator(schema_only=args.schema_only)
    if args.list:
        print("\n".join(validator.kinds()))
        return 0
    if not args.files:
        parser.error("give at least one file (or - for standard input)")
    checked = problems = 0
    for path in args.files:
        for doc in documents(path):
            if not validator.covers(doc):
                continue
            checked += 1
            name = (doc.get("metadata") or {}).get("name")
            for where, message in validator.problems(doc):
                problems += 1
                print(f"{doc['kind']}/{name}: {'/'.join(map(str, where)) or '.'}: {message}")
    print(f"{checked} custom resources checked, {problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
