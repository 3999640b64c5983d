#!/bin/sh
# MinIO's arguments (`server /data --console-address :9001`) do not apply to moto: ignored.
# Path-style only, as MinIO without MINIO_DOMAIN: the public host name behind the proxy
# (titles.test:9443) is not a bucket.
export S3_IGNORE_SUBDOMAIN_BUCKETNAME=true
exec moto_server -H 0.0.0.0 -p 9000
