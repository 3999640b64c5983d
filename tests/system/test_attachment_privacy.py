"""R-3.2 and the buckets' privacy (docs/operations.md, Buckets): once documents has judged an
attachment, the only objects the attachments bucket holds for it are the checked copy and its
thumbnail — upright, without EXIF, GPS, XMP or comments. The upload itself (a phone photo with
its position) is gone, whether it came by a streamed PUT or a presigned POST, and whether it was
accepted or rejected. The bucket expires anything left under `incoming/`."""
from __future__ import annotations

import io

import pytest
import requests
from PIL import Image

from plumbing.storage import INCOMING_PREFIX, INCOMING_RULE_ID, make_client
from tests.support import applications
from tests.support.images import phone_photo_jpeg, portrait, scan_jpeg

METADATA_MARKERS = (b"Exif", b"http://ns.adobe.com/xap", b"PhoneMaker", b"\xff\xfe")


def objects_of(system, attachment_id: str) -> dict[str, tuple[object, bytes]]:
    """Every object in the attachments bucket whose key names the attachment: its stat (with the
    user metadata) and its bytes."""
    s3 = make_client(system.s3)
    bucket = system.s3["ATTACHMENTS_BUCKET"]
    found = {}
    for o in s3.list_objects(bucket, recursive=True):
        if attachment_id in o.object_name:
            found[o.object_name] = (s3.stat_object(bucket, o.object_name),
                                    s3.get_object(bucket, o.object_name).read())
    return found


def assert_only_checked_copies(system, app_id: str, attachment_id: str, upright_size):
    found = objects_of(system, attachment_id)
    assert sorted(found) == [f"checked/{app_id}/{attachment_id}.jpg",
                             f"checked/{app_id}/{attachment_id}.thumb.jpg"], sorted(found)
    for key, (stat, data) in found.items():
        assert not stat.metadata or not any(k.lower().startswith("x-amz-meta-")
                                            for k in stat.metadata), (key, stat.metadata)
        assert stat.content_type == "image/jpeg"
        for marker in METADATA_MARKERS:
            assert marker not in data, (key, marker)
        img = Image.open(io.BytesIO(data))
        assert not img.getexif() and "xmp" not in img.info and "comment" not in img.info
    full = Image.open(io.BytesIO(found[f"checked/{app_id}/{attachment_id}.jpg"][1]))
    assert full.size == upright_size
    return full


def _wait_checked(api, token, app_id, attachment_id, timeout=60):
    body = api.wait_for(f"/applications/{app_id}", token, lambda b: any(
        a["id"] == attachment_id and a["status"] != "checking" for a in b["attachments"]),
        timeout=timeout)
    return next(a for a in body["attachments"] if a["id"] == attachment_id)


def _phone_photo(seed: int, size=(413, 579)):
    """A different picture per test: the same one from two applicants would be flagged as a
    duplicate (R-3.2). 413×579 is not a whole number of 16-pixel blocks: documents re-encodes
    it upright; 416×576 is, and documents turns it losslessly (docs/checks.md)."""
    upright = portrait(size, seed=seed)
    upright.paste((255, 0, 0), (0, 0, 60, 60))  # a red mark at the top left, as seen
    return phone_photo_jpeg(upright)  # turned by EXIF, with a GPS position


@pytest.mark.parametrize("size, turn", [((413, 579), "re-encoded"), ((416, 576), "lossless")])
def test_streamed_phone_photo_keeps_only_its_upright_stripped_copy(loaded, size, turn):
    api = loaded.api
    me = api.token(f"privacy-put-{turn}", org=applications.UNIT)
    app = applications.create(api, me)
    data = _phone_photo(41 if turn == "re-encoded" else 43, size)
    assert b"PhoneMaker" in data and Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    attachment = applications.upload(api, me, app["id"], "basic", "photo", data)
    assert _wait_checked(api, me, app["id"], attachment["id"])["status"] == "accepted"
    full = assert_only_checked_copies(loaded, app["id"], attachment["id"], size)
    red, green, blue = full.convert("RGB").getpixel((20, 20))
    assert red > 200 and green < 60 and blue < 60  # upright: the mark is back at the top left
    # Not quantised again: a lossless quarter-turn keeps the upload's tables (transposed with
    # the blocks), the re-encode writes quality 92's.
    tables = {n: sorted(t) for n, t in Image.open(io.BytesIO(data)).quantization.items()}
    kept = {n: sorted(t) for n, t in full.quantization.items()}
    assert (kept == tables) == (turn == "lossless")


def test_presigned_upload_keeps_only_its_checked_copy(loaded):
    api = loaded.api
    me = api.token("privacy-post", org=applications.UNIT)
    app = applications.create(api, me)
    path = f"/applications/{app['id']}"
    r = api.call("POST", f"{path}/attachments/basic/photo/uploads", me, json={})
    assert r.status_code == 201, r.text
    attachment, form = r.json()["attachment"], r.json()["upload"]
    assert form["fields"]["key"].startswith(INCOMING_PREFIX)  # never a durable key
    posted = requests.post(form["url"], data=form["fields"], timeout=30, files={
        "file": ("photo.jpg", _phone_photo(42), "image/jpeg")})
    assert posted.status_code in (200, 201, 204), posted.text
    assert api.call("POST", f"{path}/attachments/{attachment['id']}/confirm", me).status_code \
        == 200
    assert _wait_checked(api, me, app["id"], attachment["id"])["status"] == "accepted"
    assert_only_checked_copies(loaded, app["id"], attachment["id"], (413, 579))


def test_rejected_upload_leaves_nothing_behind(loaded):
    api = loaded.api
    me = api.token("privacy-rejected", org=applications.UNIT)
    app = applications.create(api, me)
    attachment = applications.upload(api, me, app["id"], "basic", "id_card",
                                     scan_jpeg()[:50_000])  # truncated: rejected
    checked = _wait_checked(api, me, app["id"], attachment["id"])
    assert (checked["status"], checked["reasons"][0]["code"]) == ("rejected", "TRUNCATED")
    assert objects_of(loaded, attachment["id"]) == {}


def test_unchecked_uploads_expire_by_the_buckets_lifecycle_rule(loaded):
    rules = make_client(loaded.s3).get_bucket_lifecycle(
        loaded.s3["ATTACHMENTS_BUCKET"]).rules
    (rule,) = [r for r in rules if r.rule_id == INCOMING_RULE_ID]
    assert rule.rule_filter.prefix == INCOMING_PREFIX
    assert rule.status == "Enabled" and 0 < rule.expiration.days <= 7
