"""Object storage (MinIO, or any S3 endpoint): attachments and rendered documents.

Object keys carry no personal data (docs/operations.md, Buckets): callers build them from ids.

Uploads land under `INCOMING_PREFIX` (`incoming_key`), never under a durable key: documents
keeps only the checked copy (upright, without EXIF/GPS/XMP/comments) and deletes the upload
once its verdict is stored, rejected or not. The attachments bucket's lifecycle rule
(`ensure_buckets`) expires anything left under the prefix after `INCOMING_EXPIRY_DAYS` — the
backstop for an upload never confirmed or a check that never ran.
"""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

from minio import Minio
from minio.commonconfig import ENABLED, Filter
from minio.datatypes import PostPolicy
from minio.error import S3Error
from minio.lifecycleconfig import Expiration, LifecycleConfig, Rule
from nameko.extensions import DependencyProvider

# A streamed upload holds one part in memory: S3's smallest part, sent one at a time (minio's
# default of 3 parallel 10 MiB parts raised intake's RSS by 35 MB for a 20 MB upload: bench/).
PART_SIZE = 5 * 1024 * 1024


def make_client(config: dict, endpoint: str | None = None) -> Minio:
    return Minio(endpoint or config["S3_ENDPOINT"], access_key=config["S3_ACCESS_KEY"],
                 secret_key=config["S3_SECRET_KEY"], secure=bool(config.get("S3_SECURE")),
                 region=config.get("S3_REGION") or "us-east-1")


INCOMING_PREFIX = "incoming/"
INCOMING_EXPIRY_DAYS = 2
INCOMING_RULE_ID = "expire-unchecked-uploads"


def incoming_key(season: str, application_id: str, attachment_id: str) -> str:
    """Where an upload waits for its check (streamed PUT and presigned POST alike)."""
    return f"{INCOMING_PREFIX}{season}/{application_id}/{attachment_id}.jpg"


def checked_key(application_id: str, attachment_id: str, thumbnail: bool = False) -> str:
    """The checked copy documents keeps (and its thumbnail): the attachment's only objects."""
    return f"checked/{application_id}/{attachment_id}{'.thumb' if thumbnail else ''}.jpg"


def incoming_lifecycle() -> LifecycleConfig:
    return LifecycleConfig([Rule(ENABLED, rule_filter=Filter(prefix=INCOMING_PREFIX),
                                 rule_id=INCOMING_RULE_ID,
                                 expiration=Expiration(days=INCOMING_EXPIRY_DAYS))])


def ensure_buckets(config: dict) -> list[str]:
    """Both buckets, and the attachments bucket's rule expiring unchecked uploads."""
    client = make_client(config)
    names = [config["ATTACHMENTS_BUCKET"], config["DOCUMENTS_BUCKET"]]
    for name in names:
        if not client.bucket_exists(name):
            client.make_bucket(name)
    client.set_bucket_lifecycle(config["ATTACHMENTS_BUCKET"], incoming_lifecycle())
    return names


class Objects:
    def __init__(self, client: Minio, public: Minio, config: dict):
        self.client = client
        self._public = public
        self.attachments = config["ATTACHMENTS_BUCKET"]
        self.documents = config["DOCUMENTS_BUCKET"]

    def put_stream(self, bucket: str, key: str, stream, length: int = -1,
                   content_type: str = "application/octet-stream") -> None:
        """Store from a file-like object without holding it whole in memory."""
        self.client.put_object(bucket, key, stream, length, content_type=content_type,
                               part_size=PART_SIZE, num_parallel_uploads=1)

    def put_bytes(self, bucket: str, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(bucket, key, io.BytesIO(data), len(data), content_type=content_type)

    def get_bytes(self, bucket: str, key: str) -> bytes:
        response = self.client.get_object(bucket, key)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def stat(self, bucket: str, key: str):
        return self.client.stat_object(bucket, key)

    def stat_or_none(self, bucket: str, key: str):
        """The object's stat, or None when there is no such object."""
        try:
            return self.client.stat_object(bucket, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return None
            raise

    def delete(self, bucket: str, key: str) -> None:
        """Remove an object; removing one that is gone already is not an error (S3 semantics)."""
        self.client.remove_object(bucket, key)

    def presigned_post(self, bucket: str, key: str, content_type: str, max_bytes: int,
                       expires: timedelta = timedelta(minutes=15)) -> dict:
        """A browser upload form whose policy pins the key, the type and the size."""
        policy = PostPolicy(bucket, datetime.now(timezone.utc) + expires)
        policy.add_equals_condition("key", key)
        policy.add_equals_condition("Content-Type", content_type)
        policy.add_content_length_range_condition(1, max_bytes)
        fields = self._public.presigned_post_policy(policy)
        base = self._public._base_url
        scheme = "https" if base.is_https else "http"
        return {"url": f"{scheme}://{base.host}/{bucket}",
                "fields": {**fields, "key": key, "Content-Type": content_type}}


class Storage(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.client = make_client(config)
        public = config.get("S3_PUBLIC_ENDPOINT")
        self.public = make_client(config, urlparse(f"//{public}").netloc or public) \
            if public else self.client

    def get_dependency(self, worker_ctx):
        return Objects(self.client, self.public, self.container.config)
