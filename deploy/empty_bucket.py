#!/usr/bin/env python3
"""Delete every object version and delete marker in a versioned S3 bucket (make empty-state-bucket).

A versioned bucket cannot be deleted while any version or delete marker remains, and
`aws s3 rm --recursive` only adds delete markers. This lists them all with the AWS CLI and
deletes them in batches of 1000 (DeleteObjects' limit), then checks that none is left.
Usage: empty_bucket.py BUCKET --confirm BUCKET
"""

import argparse
import json
import subprocess
import sys

BATCH = 1000


def aws(*args):
    done = subprocess.run(
        ["aws", *args, "--output", "json"], capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"aws {' '.join(args[:2])} failed: {done.stderr.strip()}")
    return json.loads(done.stdout or "{}")


def remaining(bucket):
    listing = aws("s3api", "list-object-versions", "--bucket", bucket)
    return [
        {"Key": item["Key"], "VersionId": item["VersionId"]}
        for kind in ("Versions", "DeleteMarkers")
        for item in listing.get(kind) or []
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bucket")
    parser.add_argument("--confirm", default="", help="the bucket name again")
    args = parser.parse_args(argv)
    if args.confirm != args.bucket:
        print(
            f"empty-bucket: error: this deletes every state version in {args.bucket} for good:"
            f" run again with CONFIRM={args.bucket}",
            file=sys.stderr,
        )
        return 2
    try:
        objects = remaining(args.bucket)
        for start in range(0, len(objects), BATCH):
            batch = {"Objects": objects[start : start + BATCH], "Quiet": True}
            answer = aws(
                "s3api", "delete-objects", "--bucket", args.bucket, "--delete", json.dumps(batch)
            )
            if answer.get("Errors"):
                raise RuntimeError(f"delete-objects refused: {answer['Errors'][:3]}")
        left = remaining(args.bucket)
    except RuntimeError as err:
        print(f"empty-bucket: error: {err}", file=sys.stderr)
        return 1
    if left:
        print(f"empty-bucket: error: {len(left)} versions are still there", file=sys.stderr)
        return 1
    print(f"empty-bucket: deleted {len(objects)} versions and delete markers from {args.bucket}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
