// Validates Karpenter objects against the karpenter.sh/v1 and karpenter.k8s.aws/v1 schemas of
// @kubernetes-models/karpenter (generated from the Go API types of the pinned Karpenter version).
//
//   node validate.mjs MODULES_DIR < objects.json     (a JSON array of objects)
//
// Those schemas allow unknown fields, while the API server prunes them without a word, so a
// misspelt field would be lost silently. Each object is therefore wrapped in a Proxy that records
// which fields the validator reads; a field it never reads is not in the schema and is an error.
// Prints one line per object ("ok KIND/NAME" or "error KIND/NAME: ..."); exits 1 on any error.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const schemas = {
  "karpenter.sh/v1 NodePool": "IoK8sSigsKarpenterPkgApisV1NodePool.js",
  "karpenter.k8s.aws/v1 EC2NodeClass": "ComGithubAwsKarpenterProviderAwsPkgApisV1EC2NodeClass.js",
};

const modulesDir = process.argv[2];
const schemaDir = join(modulesDir, "@kubernetes-models", "karpenter", "_schemas");

function tracked(value, seen) {
  if (value === null || typeof value !== "object") return value;
  const read = new Set();
  seen.set(value, read);
  return new Proxy(value, {
    get(target, key) {
      if (typeof key === "string") read.add(key);
      return tracked(target[key], seen);
    },
  });
}

function unread(value, seen, path, out) {
  if (value === null || typeof value !== "object") return out;
  if (Array.isArray(value)) {
    value.forEach((item, i) => unread(item, seen, `${path}/${i}`, out));
    return out;
  }
  const read = seen.get(value) ?? new Set();
  for (const [key, child] of Object.entries(value)) {
    if (!read.has(key)) out.push(`${path}/${key}: unknown field`);
    else unread(child, seen, `${path}/${key}`, out);
  }
  return out;
}

const objects = JSON.parse(readFileSync(0, "utf8"));
let failed = false;
for (const object of objects) {
  const kind = `${object.apiVersion} ${object.kind}`;
  const label = `${object.kind}/${object.metadata?.name}`;
  if (!(kind in schemas)) {
    console.log(`error ${label}: no schema for ${kind}`);
    failed = true;
    continue;
  }
  const { validate } = await import(pathToFileURL(join(schemaDir, schemas[kind])).href);
  const seen = new Map();
  const valid = validate(tracked(object, seen));
  const problems = (valid ? [] : validate.errors).map(
    (e) => `${e.instancePath || "/"}: ${e.keyword} ${JSON.stringify(e.params)}`,
  );
  unread(object, seen, "", problems);
  const unique = [...new Set(problems)];
  if (unique.length) {
    console.log(`error ${label}: ${unique.join("; ")}`);
    failed = true;
  } else {
    console.log(`ok ${label}`);
  }
}
process.exit(failed ? 1 : 0);
