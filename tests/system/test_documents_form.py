"""D-1, R-5.1, R-3.2 through the intake API: the 评审表 of a complete application, its QR code
verified through the public endpoint, and every bad attachment shown with its reason.

Needs poppler-utils (pdfinfo, pdffonts, pdftoppm) and zbar-tools (zbarimg): .ci/run and the
Dockerfile install them. Set DOCUMENTS_PDF_OUT=<path> to keep the rendered PDF (docs/ shows its
first page: `pdftoppm -png -r 80 -f 1 -l 1 -singlefile <pdf> docs/evaluation-form-page1`).
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from pypdf import PdfReader

from plumbing.storage import make_client
from tests.support import applications
from tests.system.conftest import SEASON_NOW
from tests.support.images import (jpeg, phone_photo_jpeg, photo_jpeg, portrait, scan_jpeg,
                                  text_page)

pytestmark = pytest.mark.system

A4_POINTS = (595.28, 841.89)


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:  # a system test never skips: CI installs poppler-utils and zbar-tools
        pytest.fail(f"{name} is not installed (Debian: poppler-utils / zbar-tools)")
    return path


def submit_with_photo(api, token) -> dict:
    """`applications.submit_complete`, but every image its own (documents flags one picture
    uploaded by two applicants) and a real one-inch photo for kind `photo`
    (`images.photo_jpeg`), so the form shows a portrait."""
    app = applications.body()
    created = applications.create(api, token, app)
    needed = applications.required_attachments(app)
    assert ("basic", "photo") in needed  # §1: intake requires the one-inch photo
    for section, kind in needed:
        data = photo_jpeg(seed=11) if kind == "photo" else scan_jpeg()
        applications.upload(api, token, created["id"], section, kind, data)
    path = f"/applications/{created['id']}"
    checked = api.wait_for(path, token, lambda b: len(b["attachments"]) == len(needed) and all(
        a["status"] != "checking" for a in b["attachments"]), timeout=120)
    assert all(a["status"] == "accepted" for a in checked["attachments"]), checked["attachments"]
    r = api.call("POST", f"{path}/submit", token)
    assert r.status_code == 202, r.text
    return r.json()


@pytest.fixture(scope="module")
def form(loaded, tmp_path_factory):
    """The rendered 评审表 of a complete application: (application, document, pdf, folder)."""
    api = loaded.api
    set_clock(loaded, SEASON_NOW)  # 填表时间: the submission's date, 2019-10-15 in season time
    me = api.token("applicant-form-1", org=applications.UNIT, name="阿依古丽·买买提",
                   email="ayguli@example.com")
    app = submit_with_photo(api, me)
    done = api.wait_for(f"/applications/{app['id']}", me, lambda b: {
        d["kind"] for d in b["documents"]} == {"evaluation_form", "guarantee"}, timeout=90)
    (doc,) = [d for d in done["documents"] if d["kind"] == "evaluation_form"]
    assert doc["revision"] == 0
    s3 = make_client(loaded.s3)
    bucket = loaded.s3["DOCUMENTS_BUCKET"]
    prefix = f"2019/{app['id']}/v1/"
    # issue 15: recorded at submission (code, fingerprint), drawn on the first download
    assert doc["pages"] is None
    assert not list(s3.list_objects(bucket, prefix=prefix, recursive=True))
    r = api.call("GET", doc["href"], me)
    assert r.status_code == 200 and r.content.startswith(b"%PDF"), r.text
    pdf = r.content
    keys = [o.object_name for o in s3.list_objects(bucket, prefix=prefix, recursive=True)]
    assert [k.rsplit("/", 1)[1] for k in keys] == ["evaluation_form.pdf"]  # only what was asked
    assert s3.get_object(bucket, keys[0]).read() == pdf
    assert api.call("GET", doc["href"], me).content == pdf  # a cache hit: the stored PDF
    (doc,) = [d for d in api.call("GET", f"/applications/{app['id']}", me).json()["documents"]
              if d["kind"] == "evaluation_form"]
    assert doc["pages"] and doc["pages"] % 2 == 0  # known since it was drawn
    folder = tmp_path_factory.mktemp("form")
    (folder / "form.pdf").write_bytes(pdf)
    if os.environ.get("DOCUMENTS_PDF_OUT"):
        Path(os.environ["DOCUMENTS_PDF_OUT"]).write_bytes(pdf)
    return app, doc, pdf, folder


def test_d1_form_is_a4_with_an_even_page_count(form):
    _, doc, pdf, folder = form
    info = subprocess.run([tool("pdfinfo"), "-l", "999", str(folder / "form.pdf")],
                          capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M)[1])
    assert pages == doc["pages"] and pages % 2 == 0
    sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    assert len(sizes) == pages
    for w, h in sizes:
        assert (float(w), float(h)) == pytest.approx(A4_POINTS, abs=0.5)


def test_every_font_is_embedded(form):
    _, _, _, folder = form
    out = subprocess.run([tool("pdffonts"), str(folder / "form.pdf")], capture_output=True,
                         text=True, check=True).stdout.splitlines()[2:]
    assert out, "no fonts listed"
    for line in out:
        assert re.search(r"\byes\s+yes\s+(yes|no)\s+\d+\s+\d+\s*$", line), line  # emb sub


def test_chinese_text_is_extractable_and_correct(form):
    app, doc, pdf, _ = form
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    whole = "".join(pages).replace("\n", "")
    for expected in ("专业技术职务任职资格评审表", "阿依古丽·买买提", "维吾尔族", "高级工程师",
                     "工程系列", "纺织", "新疆乌鲁木齐", "单位推荐意见"):
        assert expected in whole, expected
    assert "650102198506150029" not in whole  # the ID number is printed masked
    # issue #18: the unit's name for 单位 and 工作单位, never its id; no internal rule numbers;
    # 填表时间 the submission's date (intake's clock), not the draft's or the machine's
    assert "乌鲁木齐示例机械制造有限公司" in whole and applications.UNIT not in whole
    assert not re.search(r"\b[RND]-\d", whole), re.search(r"\b[RND]-\d", whole)
    assert re.search(r"填表时间\s*2019年10月15日", whole), whole[:400]
    number = app["id"][:8].upper()
    for n, text in enumerate(pages, 1):  # watermark, fingerprint and page number on every page
        assert text.count(f"{number}  {doc['verification_code']}  2019年度") >= 10, n
        assert f"指纹 {doc['fingerprint'][:16]}" in text, n
        assert f"第 {n} 页 / 共 {doc['pages']} 页" in text, n


def test_the_one_inch_photo_is_on_the_form(form):
    _, _, pdf, _ = form
    images = PdfReader(io.BytesIO(pdf)).pages[1].images  # 基本情况 follows the cover
    assert len(images) == 1
    photo = Image.open(io.BytesIO(images[0].data))
    assert abs(photo.width / photo.height - 25 / 35) < 0.02


def decoded_qr_codes(folder: Path, pages: int) -> list[str]:
    subprocess.run([tool("pdftoppm"), "-png", "-r", "150", str(folder / "form.pdf"),
                    str(folder / "page")], check=True)
    found = []
    for n in range(1, pages + 1):
        png = folder / f"page-{n:0{len(str(pages))}d}.png"
        found.append(subprocess.run([tool("zbarimg"), "-q", "--raw", str(png)],
                                    capture_output=True, text=True).stdout.strip())
    return found


def test_r5_1_qr_on_every_page_is_verified_through_the_api(form, loaded):
    app, doc, _, folder = form
    urls = decoded_qr_codes(folder, doc["pages"])
    assert len(set(urls)) == 1 and urls[0], urls
    url = urlsplit(urls[0])
    assert url.path == f"/verify/{doc['verification_code']}"
    assert url.query == f"fp={doc['fingerprint'][:16]}"

    r = loaded.api.call("GET", f"{url.path}?{url.query}")  # no token: a public endpoint
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["genuine"] is True
    assert answer["fingerprint"] == doc["fingerprint"]
    assert (answer["kind"], answer["version"], answer["season"]) == ("evaluation_form", 1, "2019")
    assert answer["application_no"] == app["id"][:8].upper()
    assert answer["applicant_name_masked"] == "阿*******"
    assert answer["pages"] == doc["pages"] and answer["superseded"] is False
    assert "阿依古丽" not in r.text and "650102" not in r.text and "@" not in r.text


def test_forged_and_altered_printouts_fail_verification(form, loaded):
    _, doc, _, _ = form
    api = loaded.api
    code, fp = doc["verification_code"], doc["fingerprint"][:16]

    forged = "22222-22222" if code != "22222-22222" else "33333-33333"
    r = api.call("GET", f"/verify/{forged}")
    assert r.status_code == 404 and r.json()["code"] == "DOCUMENT_UNKNOWN"

    # a QR code printed for edited content carries another fingerprint
    other = ("0" if fp[0] != "0" else "1") + fp[1:]
    r = api.call("GET", f"/verify/{code}?fp={other}")
    assert r.status_code == 409 and r.json()["code"] == "DOCUMENT_ALTERED"

    r = api.call("GET", "/verify/not-a-code")
    assert r.status_code == 400 and r.json()["code"] == "VERIFICATION_CODE_MALFORMED"

    r = api.call("GET", f"/verify/{code.lower()}")  # typed from the paper, lower case
    assert r.status_code == 200 and r.json()["fingerprint"] == doc["fingerprint"]


# ---- the opinions recorded so far, printed on a new revision (D-1, R-4.1, R-4.2) ----------------

OPINION = "本单位已对提供的申报材料逐一审核，真实准确，同意推荐"  # exactly


def set_clock(system, instant: datetime) -> None:
    system.clock_file.write_text(str((instant - datetime.now(timezone.utc)).total_seconds()))


def test_d1_the_units_recommendation_is_printed_on_a_new_revision_and_the_old_is_superseded(
        form, loaded):
    app, doc, _, _ = form
    api = loaded.api
    unit = api.token("P-U01", role="unit_reviewer", org=applications.UNIT, name="单位审核人")
    path = f"/review/applications/{app['id']}"
    deadline = time.time() + 60
    while api.call("GET", path, unit).json().get("status") != "in_review":
        assert time.time() < deadline, "review never opened the unit's task"
        time.sleep(0.25)
    try:
        set_clock(loaded, SEASON_NOW)
        r = api.call("POST", f"{path}/publicity", unit)
        assert r.status_code == 201, r.text
        set_clock(loaded, datetime.fromisoformat(r.json()["ends_at"]) + timedelta(hours=9))
        r = api.call("POST", f"{path}/recommend", unit, json={"opinion": OPINION})
        assert r.status_code == 200, r.text
        decided_on = r.json()["decided_at"][:10]
    finally:
        set_clock(loaded, SEASON_NOW)

    me = api.token("applicant-form-1", org=applications.UNIT)
    done = api.wait_for(f"/applications/{app['id']}", me, lambda b: any(
        d["kind"] == "evaluation_form" and d["revision"] == 1 for d in b["documents"]),
        timeout=90)
    (revised,) = [d for d in done["documents"]
                  if d["kind"] == "evaluation_form" and d["revision"] == 1]
    assert revised["version"] == 1
    assert revised["verification_code"] != doc["verification_code"]
    assert revised["fingerprint"] != doc["fingerprint"]

    assert revised["pages"] is None  # not downloaded yet

    old = api.call("GET", f"/verify/{doc['verification_code']}?fp={doc['fingerprint'][:16]}")
    assert old.status_code == 200, old.text
    assert old.json()["superseded"] is True
    assert (old.json()["revision"], old.json()["latest_revision"]) == (0, 1)
    # its code verifies before anyone downloaded it through intake: documents draws it then
    new = api.call("GET", f"/verify/{revised['verification_code']}"
                          f"?fp={revised['fingerprint'][:16]}")
    assert new.status_code == 200 and new.json()["superseded"] is False, new.text
    assert new.json()["revision"] == 1 and new.json()["pages"] % 2 == 0

    r = api.call("GET", revised["href"], me)
    assert r.status_code == 200, r.text
    pdf = r.content
    assert make_client(loaded.s3).get_object(
        loaded.s3["DOCUMENTS_BUCKET"],
        f"2019/{app['id']}/v1/evaluation_form.r1-{revised['fingerprint'][:16]}.pdf").read() == pdf
    whole = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    # in the unit's box, with who and when (the layout's note quotes the text too: not enough)
    assert f"已在系统记录（单位审核人 {decided_on}）：{OPINION}" in whole
    assert f"指纹 {revised['fingerprint'][:16]}" in whole


def pdf_text(response) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) % 2 == 0
    return "".join(p.extract_text() for p in reader.pages).replace("\n", "")


def test_d4_the_units_publicity_result_and_delivery_list_are_printed_for_its_own_staff(
        form, loaded):
    """After the recommendation above: the publicity has ended without objection (R-4.2)."""
    api = loaded.api
    unit = api.token("P-U01", role="unit_reviewer", org=applications.UNIT, name="单位审核人")
    base = f"/review/units/{applications.UNIT}"
    notice = pdf_text(api.call("GET", f"{base}/publicity-notice.pdf", unit))
    assert "阿依古丽·买买提" in notice and "（5个工作日）" in notice
    # D-4: the unit's contact from the organisation file (deploy/sample/organisations.yaml)
    assert "联系人：石磊；电话：0991-0000004；地址：乌鲁木齐市示例路1号人力资源部。" in notice
    assert "：无" not in notice
    r = api.call("GET", f"{base}/publicity-notice.pdf?result=true", unit)
    result = pdf_text(r)
    assert "公示结果：公示期满，无异议（收到异议0件）" in result
    code = r.headers["X-Verification-Code"]
    assert code in result  # watermark and footer
    fp = re.search(r"指纹 ([0-9a-f]{16})", result)[1]
    verified = api.call("GET", f"/verify/{code}?fp={fp}")  # the list's QR code verifies too
    assert verified.status_code == 200, verified.text
    assert (verified.json()["kind"], verified.json()["org_id"]) == ("publicity_notice",
                                                                    applications.UNIT)
    bad = ("0" if fp[0] != "0" else "1") + fp[1:]
    assert api.call("GET", f"/verify/{code}?fp={bad}").json()["code"] == "DOCUMENT_ALTERED"
    delivery = pdf_text(api.call("GET", f"{base}/paper-delivery-list.pdf", unit))
    assert "阿依古丽·买买提" in delivery and "乌鲁木齐市光明路140号新疆机械工程学会" in delivery

    other = api.token("P-U03", role="unit_reviewer", org="unit-region-chemdesign")
    r = api.call("GET", f"{base}/publicity-notice.pdf", other)
    assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN"
    applicant = api.token("applicant-form-1", org=applications.UNIT)
    assert api.call("GET", f"{base}/paper-delivery-list.pdf", applicant).status_code == 403

    secretary = api.token("S-01", role="committee_secretary", org="eng_textile", name="评委会办公室")
    results = pdf_text(api.call("GET", "/review/committees/eng_textile/results-list.pdf?season=2019",
                                secretary))
    assert "评审通过人员公示" in results  # nobody has passed yet: the list says 无


# ---- every bad attachment, with its reason, on the attachment (R-3.2) ---------------------------


def _png() -> bytes:
    out = io.BytesIO()
    text_page().save(out, "PNG")
    return out.getvalue()


BAD_FILES = {
    # name: (kind, bytes, expected status, expected code)
    "truncated.jpg": ("id_card", lambda: scan_jpeg()[:60_000], "rejected", "TRUNCATED"),
    "scan.png.jpg": ("id_card", _png, "rejected", "NOT_JPEG"),
    "report.pdf.jpg": ("id_card", lambda: b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                       "rejected", "NOT_JPEG"),
    "page.html.jpg": ("id_card", lambda: b"<!DOCTYPE html><html><body>x</body></html>",
                      "rejected", "NOT_JPEG"),
    "tiny.jpg": ("id_card", lambda: jpeg(text_page((300, 420))), "rejected", "TOO_SMALL"),
    "landscape-photo.jpg": ("photo", lambda: jpeg(portrait((600, 413))), "rejected",
                            "PHOTO_PROPORTIONS"),
    "blank.jpg": ("id_card", lambda: jpeg(Image.new("RGB", (1240, 1754), (246, 246, 244))),
                  "flagged", "BLANK_PAGE"),
}


def test_r3_2_every_bad_file_shows_its_reason_on_the_attachment(loaded):
    api = loaded.api
    me = api.token("applicant-bad-files", org=applications.UNIT)
    app = applications.create(api, me)
    uploaded = {}
    for name, (kind, make, _, _) in BAD_FILES.items():
        r = api.call("PUT", f"/applications/{app['id']}/attachments/basic/{kind}", me,
                     data=make(), headers={"Content-Type": "image/jpeg", "X-Filename": name})
        assert r.status_code == 201, r.text
        uploaded[r.json()["id"]] = name
    body = api.wait_for(f"/applications/{app['id']}", me, lambda b: len(b["attachments"]) == len(
        BAD_FILES) and all(a["status"] != "checking" for a in b["attachments"]), timeout=90)
    for attachment in body["attachments"]:
        name = uploaded[attachment["id"]]
        _, _, status, code = BAD_FILES[name]
        assert attachment["status"] == status, (name, attachment)
        assert [r["code"] for r in attachment["reasons"]] == [code], (name, attachment)
        assert "请" in attachment["reasons"][0]["message"], name  # says what to do, in Chinese
    r = api.call("POST", f"/applications/{app['id']}/submit", me)
    assert r.status_code != 202  # nothing of this goes forward


def test_r3_2_exif_rotated_phone_photo_is_stored_upright_without_gps(loaded):
    api = loaded.api
    me = api.token("applicant-phone-photo", org=applications.UNIT)
    app = applications.create(api, me)
    upright = portrait((413, 579), seed=3)
    upright.paste((255, 0, 0), (0, 0, 60, 60))  # a red mark at the top left, as seen
    data = phone_photo_jpeg(upright)
    assert b"PhoneMaker" in data and Image.open(io.BytesIO(data)).size == (579, 413)
    attachment = applications.upload(api, me, app["id"], "basic", "photo", data)
    body = api.wait_for(f"/applications/{app['id']}", me,
                        lambda b: b["attachments"][0]["status"] != "checking", timeout=60)
    assert body["attachments"][0]["status"] == "accepted", body["attachments"]

    s3 = make_client(loaded.s3)
    stored = s3.get_object(loaded.s3["ATTACHMENTS_BUCKET"],
                           f"checked/{app['id']}/{attachment['id']}.jpg").read()
    clean = Image.open(io.BytesIO(stored))
    assert clean.size == (413, 579)  # portrait, as the phone showed it
    red, green, blue = clean.convert("RGB").getpixel((20, 20))
    assert red > 200 and green < 60 and blue < 60
    assert not clean.getexif() and b"Exif" not in stored and b"PhoneMaker" not in stored


def test_verify_is_rate_limited_per_client(form, loaded):
    """Last in this module: it spends this client's budget."""
    api = loaded.api
    statuses = [api.call("GET", "/verify/22222-22223").status_code for _ in range(20)]
    assert 429 in statuses and statuses[0] == 404
    limited = api.call("GET", "/verify/22222-22223")
    assert limited.status_code == 429 and limited.json()["code"] == "RATE_LIMITED"
    assert int(limited.headers["Retry-After"]) >= 1
