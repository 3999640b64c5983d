#!/bin/sh
# One-shot job (minio/mc image): the two private buckets (docs/operations.md, Buckets) and the
# services' own MinIO user, allowed only those buckets, so no service holds the root credentials.
# Safe to re-run: every step tolerates what a previous run already created.
set -eu

: "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}" "${S3_ACCESS_KEY:?}" "${S3_SECRET_KEY:?}"
: "${ATTACHMENTS_BUCKET:?}" "${DOCUMENTS_BUCKET:?}"

mc alias set titles "http://${S3_ENDPOINT:-minio:9000}" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"

for bucket in "$ATTACHMENTS_BUCKET" "$DOCUMENTS_BUCKET"; do
  mc mb --ignore-existing "titles/$bucket"
  mc anonymous set none "titles/$bucket"  # private: browsers only use presigned URLs
done

# Uploads wait under incoming/ until documents has checked them and deleted them; anything left
# there (an upload never confirmed, a check that never ran) expires (plumbing/storage.py,
# INCOMING_EXPIRY_DAYS). `ilm import` replaces the bucket's rules: re-running keeps one rule.
lifecycle=/tmp/titles-attachments-lifecycle.json
cat > "$lifecycle" <<JSON
{"Rules": [{"ID": "expire-unchecked-uploads", "Status": "Enabled",
            "Filter": {"Prefix": "incoming/"}, "Expiration": {"Days": 2}}]}
JSON
mc ilm import "titles/$ATTACHMENTS_BUCKET" < "$lifecycle"

policy=/tmp/titles-app-policy.json
cat > "$policy" <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow",
     "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
     "Resource": ["arn:aws:s3:::${ATTACHMENTS_BUCKET}", "arn:aws:s3:::${DOCUMENTS_BUCKET}"]},
    {"Effect": "Allow",
     "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
     "Resource": ["arn:aws:s3:::${ATTACHMENTS_BUCKET}/*", "arn:aws:s3:::${DOCUMENTS_BUCKET}/*"]}
  ]
}
JSON
mc admin policy create titles titles-app "$policy"
# `user add` on an existing user just resets its secret, which keeps .env the source of truth.
mc admin user add titles "$S3_ACCESS_KEY" "$S3_SECRET_KEY"
# A second attach fails with "already in effect"; only that case is acceptable.
mc admin policy attach titles titles-app --user "$S3_ACCESS_KEY" \
  || mc admin user info titles "$S3_ACCESS_KEY" | grep -q titles-app
