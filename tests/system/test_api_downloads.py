"""Downloads and file names through the running services (issue #12): an upload keeps its
Chinese name exactly, however the frontend sends it; every checked copy and every rendered
document (each revision) downloads, with the Chinese name in `Content-Disposition` (RFC 6266 /
5987), for whoever may see the application and nobody else; 附件1 is rendered from a draft for
the applicant to print and sign, and 公示结果 is not asked of the applicant."""
from __future__ import annotations

import io
import re
from urllib.parse import quote, unquote

import pytest
from pypdf import PdfReader

from tests.support.applications import (attachment_image, create, for_token, required_attachments,
                                        upload_all)
from tests.support.review_api import MACHINERY, through_unit, unit_token, wait_review, local

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("season_clock")]

NAME = "证书 扫描件（2019）·第1页.jpg"


def filename_of(response) -> str:
    """The name a client reads from Content-Disposition (RFC 6266: filename* wins)."""
    value = response.headers["Content-Disposition"]
    star = re.search(r"filename\*=UTF-8''([^;]+)", value)
    return unquote(star.group(1)) if star else re.search(r'filename="([^"]*)"', value).group(1)


def put(api, token, app_id, section, kind, headers):
    r = api.call("PUT", f"/applications/{app_id}/attachments/{section}/{kind}", token,
                 data=attachment_image(kind), headers={"Content-Type": "image/jpeg", **headers})
    assert r.status_code == 201, r.text
    return r.json()


def test_an_upload_keeps_its_unicode_name_exactly_however_it_is_sent(loaded):
    api = loaded.api
    me = api.token("api-dl-names", org=MACHINERY)
    app = create(api, me)
    sent = [
        put(api, me, app["id"], "other", "other_proof", {"X-Filename": quote(NAME)}),
        put(api, me, app["id"], "other", "other_proof", {"X-Filename": "UTF-8''" + quote(NAME)}),
        put(api, me, app["id"], "other", "other_proof",
            {"Content-Disposition": "attachment; filename*=UTF-8''" + quote(NAME)}),
        put(api, me, app["id"], "other", "other_proof",
            {"X-Filename": NAME.encode("utf-8").decode("latin-1")}),  # raw UTF-8 bytes (curl)
    ]
    assert [a["filename"] for a in sent] == [NAME] * 4
    r = api.call("POST", f"/applications/{app['id']}/attachments/other/other_proof/uploads", me,
                 json={"filename": "扫描件\u3000甲.jpg"})
    assert r.json()["attachment"]["filename"] == "扫描件\u3000甲.jpg"  # an ideographic space kept

    view = api.wait_for(f"/applications/{app['id']}", me, lambda b: all(
        a["status"] != "checking" for a in b["attachments"] if a["status"] != "awaiting_upload"),
        timeout=60)
    checked = [a for a in view["attachments"] if a["status"] in ("accepted", "flagged")]
    assert checked and all(a["href"] for a in checked)
    r = api.call("GET", checked[0]["href"], me)
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/jpeg"
    assert r.content[:2] == b"\xff\xd8" and filename_of(r) == NAME
    assert r.headers["Content-Disposition"].startswith("attachment;")
    inline = api.call("GET", checked[0]["href"] + "?disposition=inline", me)
    assert inline.headers["Content-Disposition"].startswith("inline;")

    stranger = api.token("api-dl-stranger", org=MACHINERY)
    assert api.call("GET", checked[0]["href"], stranger).status_code == 404
    assert api.call("GET", checked[0]["href"], unit_token(api, MACHINERY)).status_code == 200


def test_annex_1_from_the_draft_documents_of_each_revision_and_no_publicity_result(loaded):
    api = loaded.api
    me = api.token("api-dl-docs", org=MACHINERY, name="申报人下载")
    body = for_token(me)
    app = create(api, me, body)
    assert ("other", "publicity_result") not in required_attachments(body)
    assert not any(r["kind"] == "publicity_result" for r in app["required_attachments"])

    r = api.call("GET", f"/applications/{app['id']}/forms/guarantee", me)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/pdf"
    assert filename_of(r) == f"专业技术资格评审材料真实性保证书（附件1）_{app['id'][:8].upper()}_草稿.pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "保证书" in text and body["sections"]["basic"]["name"] in text
    code = r.headers["X-Verification-Code"]
    again = api.call("GET", f"/applications/{app['id']}/forms/guarantee", me)
    assert again.headers["X-Verification-Code"] == code  # the same draft: the same revision
    verified = api.wait_for(f"/verify/{code}", None, lambda b: b.get("genuine"), timeout=20)
    assert (verified["kind"], verified["version"]) == ("guarantee", 0)
    r = api.call("GET", f"/applications/{app['id']}/forms/exemption_form", me)
    assert r.status_code == 409 and r.json()["code"] == "FORM_NOT_APPLICABLE"
    other = api.token("api-dl-other", org=MACHINERY)
    assert api.call("GET", f"/applications/{app['id']}/forms/guarantee", other).status_code == 404

    upload_all(api, me, app["id"], body)
    assert api.call("POST", f"/applications/{app['id']}/submit", me).status_code == 202
    r = api.call("GET", f"/applications/{app['id']}/forms/guarantee", me)
    assert r.status_code == 409 and r.json()["code"] == "NOT_EDITABLE"
    unit = unit_token(api, MACHINERY)
    wait_review(api, app["id"], unit, lambda v: v["status"] == "in_review")
    # the submission's 评审表 first: a decision before it is printed on it, not as a revision
    api.wait_for(f"/applications/{app['id']}", me, lambda b: any(
        d["kind"] == "evaluation_form" for d in b["documents"]), timeout=90)
    through_unit(loaded, app["id"], MACHINERY, local(2019, 10, 15, 10))
    view = api.wait_for(f"/applications/{app['id']}", me, lambda b: any(
        d["kind"] == "evaluation_form" and d["revision"] == 1 for d in b["documents"]), timeout=90)
    forms = [d for d in view["documents"] if d["kind"] == "evaluation_form"]
    for doc in forms:
        for token in (me, unit):
            r = api.call("GET", doc["href"], token)
            assert r.status_code == 200 and r.content.startswith(b"%PDF"), r.text
            assert r.headers["X-Verification-Code"] == doc["verification_code"]
            suffix = f"_修订{doc['revision']}" if doc["revision"] else ""
            assert filename_of(r) == (f"专业技术职务任职资格评审表_{app['id'][:8].upper()}"
                                      f"_第{doc['version']}版{suffix}.pdf")
    assert api.call("GET", forms[0]["href"], other).status_code == 404
    missing = f"/applications/{app['id']}/documents/00000000-0000-0000-0000-000000000000"
    assert api.call("GET", missing, me).status_code == 404
