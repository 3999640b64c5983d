"""Presigned uploads are signed for the address browsers use (S3_PUBLIC_ENDPOINT): behind the TLS
proxy an https URL, whose scheme decides, though the services reach the store in plain HTTP."""
from __future__ import annotations

import pytest

from plumbing.storage import Objects, make_client, public_client

CONFIG = {"S3_ENDPOINT": "minio:9000", "S3_ACCESS_KEY": "titles-app", "S3_SECRET_KEY": "s" * 24,
          "S3_SECURE": False, "ATTACHMENTS_BUCKET": "attachments", "DOCUMENTS_BUCKET": "documents"}


@pytest.mark.parametrize("public, url", [
    ("https://titles.example.gov.cn:9443", "https://titles.example.gov.cn:9443/attachments"),
    ("titles.example.gov.cn:9000", "http://titles.example.gov.cn:9000/attachments"),
    ("http://10.0.0.5:9000", "http://10.0.0.5:9000/attachments"),
])
def test_the_presigned_form_names_the_public_address_and_its_scheme(public, url):
    objects = Objects(make_client(CONFIG), public_client({**CONFIG, "S3_PUBLIC_ENDPOINT": public}),
                      CONFIG)
    form = objects.presigned_post("attachments", "2019/a/b.jpg", "image/jpeg", 1024)
    assert form["url"] == url
    assert form["fields"]["key"] == "2019/a/b.jpg" and "policy" in form["fields"]


def test_without_a_public_address_the_internal_one_is_used():
    assert public_client({**CONFIG, "S3_PUBLIC_ENDPOINT": ""}) is None
