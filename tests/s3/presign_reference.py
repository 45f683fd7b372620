#!/usr/bin/python3
"""Prints the presigned GET URL botocore makes, as Thumbify's get_file_url called it
(boto3.client('s3', endpoint_url=..., config=Config(signature_version='s3v4'))
.generate_presigned_url('get_object', ..., ExpiresIn=...)), at a fixed time.

usage: presign_reference.py ENDPOINT BUCKET KEY ACCESS_KEY SECRET_KEY REGION EPOCH_SECONDS EXPIRES
"""
import datetime
import sys
from unittest import mock

import boto3
import botocore.auth
from botocore.config import Config

endpoint, bucket, key, access, secret, region, epoch, expires = sys.argv[1:9]
fixed = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).replace(tzinfo=None)


class FixedDatetime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return fixed

    @classmethod
    def now(cls, tz=None):
        return fixed.replace(tzinfo=datetime.timezone.utc) if tz else fixed


client = boto3.client("s3", aws_access_key_id=access, aws_secret_access_key=secret,
                      endpoint_url=endpoint, region_name=region,
                      config=Config(signature_version="s3v4"))
with mock.patch.object(botocore.auth.datetime, "datetime", FixedDatetime):
    print(client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                        ExpiresIn=int(expires)))
