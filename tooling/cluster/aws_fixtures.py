"""What the stacks assume exists in the AWS account, created in moto before an
apply, as the real account has it: the database the snapshots protect, the
Secrets Manager secrets the environment files name, the cluster's OIDC
provider. Idempotent: what exists is left alone.

Usage: aws_fixtures.py <endpoint> <spec.json>
spec: {"region": ..., "databases": [id], "secrets": {id: value}, "oidcProviders": [url], "buckets": [name]}
"""
import json
import sys

import boto3
from botocore.exceptions import ClientError


def client(service, endpoint, region):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def exists_already(error):
    code = error.response["Error"]["Code"]
    return code in (
        "DBInstanceAlreadyExists",
        "ResourceExistsException",
        "EntityAlreadyExists",
        "BucketAlreadyOwnedByYou",
    )


def main():
    endpoint, spec_file = sys.argv[1], sys.argv[2]
    with open(spec_file, encoding="utf-8") as f:
        spec = json.load(f)
    region = spec["region"]
    rds = client("rds", endpoint, region)
    for db in spec["databases"]:
        try:
            rds.create_db_instance(
                DBInstanceIdentifier=db,
                Engine="postgres",
                DBInstanceClass="db.t3.micro",
                MasterUsername="mls",
                MasterUserPassword="not-a-real-password",
                AllocatedStorage=20,
            )
        except ClientError as e:
            if not exists_already(e):
                raise
    secrets = client("secretsmanager", endpoint, region)
    for name, value in spec["secrets"].items():
        try:
            secrets.create_secret(Name=name, SecretString=value)
        except ClientError as e:
            if not exists_already(e):
                raise
    iam = client("iam", endpoint, region)
    for url in spec["oidcProviders"]:
        try:
            iam.create_open_id_connect_provider(Url=f"https://{url}", ClientIDList=["sts.amazonaws.com"], ThumbprintList=["0" * 40])
        except ClientError as e:
            if not exists_already(e):
                raise
    s3 = client("s3", endpoint, region)
    for bucket in spec.get("buckets", []):
        try:
            s3.create_bucket(Bucket=bucket)
        except ClientError as e:
            if not exists_already(e):
                raise
    print(f"fixtures: {len(spec['databases'])} databases, {len(spec['secrets'])} secrets, {len(spec['oidcProviders'])} OIDC providers")


if __name__ == "__main__":
    main()
