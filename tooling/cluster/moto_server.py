"""The AWS API emulator for the cluster test: moto's server on loopback, with
one fix applied at start (nothing in the stacks changes for the emulator).

moto 5.2.5 answers S3 PutBucketLogging with HTTP 500 when the target
bucket's policy has a statement whose Principal is the string "*" (its check
calls .get on it); our buckets deny non-TLS requests with exactly such a
statement. The check is replaced by the same one that reads a string
Principal as "no service".

Usage: moto_server.py <port>
"""
import json
import sys

from moto.s3 import models
from moto.s3.utils import LOGGING_SERVICE_PRINCIPAL
from moto.server import main


def _log_permissions_enabled_policy(target_bucket, target_prefix):
    if not target_bucket.policy:
        return False
    allowed = {
        f"arn:{target_bucket.partition}:s3:::{target_bucket.name}/{target_prefix or ''}*",
        f"arn:{target_bucket.partition}:s3:::{target_bucket.name}/*",
        f"arn:{target_bucket.partition}:s3:::{target_bucket.name}",
    }
    for stmt in json.loads(target_bucket.policy.decode())["Statement"]:
        principal = stmt.get("Principal")
        service = principal.get("Service") if isinstance(principal, dict) else None
        actions = stmt.get("Action", [])
        resources = stmt.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        if (
            service == LOGGING_SERVICE_PRINCIPAL
            and stmt.get("Effect") == "Allow"
            and "s3:PutObject" in ([actions] if isinstance(actions, str) else actions)
            and any(r in allowed for r in resources)
        ):
            return True
    return False


models.FakeBucket._log_permissions_enabled_policy = staticmethod(_log_permissions_enabled_policy)

if __name__ == "__main__":
    main(["-H", "127.0.0.1", "-p", sys.argv[1]])
