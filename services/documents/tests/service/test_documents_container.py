"""documents in a nameko container against real RabbitMQ, PostgreSQL and an S3 endpoint.

Events go in through the broker as intake publishes them; what documents decided is read from
its outbox (the events it emits) and its tables.
"""
from __future__ import annotations

import io
import os
import time
import uuid

import eventlet
import pytest
from nameko.amqp.publish import Publisher
from nameko.testing.services import entrypoint_hook
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import create_engine, select, text

from contracts import events
from documents import checks, duplicates, models as m
from documents.service import _DUPLICATE_LOCK_CLASS, MAX_ATTACHMENT_BYTES, DocumentsService
from plumbing import migrations, topology
from plumbing.rpc import REFUSAL_KEY
from plumbing.storage import make_client
from tests.support import applications
from tests.support.images import jpeg, photo_jpeg, scan_jpeg, text_page

pytestmark = pytest.mark.service


@pytest.fixture
def documents(container_factory, make_database, isolated_broker_uri, s3_config):
    url = make_database(f"documents{uuid.uuid4().hex[:8]}")
    migrations.upgrade("documents", url)
    container = container_factory(DocumentsService, {
        "AMQP_URI": isolated_broker_uri, "DATABASE_URL": url, **s3_config,
        "OUTBOX_POLL_SECONDS": 0.2, "EVENT_MAX_RETRIES": 1, "EVENT_RETRY_DELAY_MS": 100,
        "DOCUMENT_SECRET": "service-test-secret", "VERIFY_URL_BASE": "http://v.example/verify"})
    container.start()
    engine = create_engine(url)
    publisher = Publisher(isolated_broker_uri, use_confirms=True, mandatory=True,
                          serializer="json")
    yield Harness(container, engine, publisher, s3_config)
    engine.dispose()


class Harness:
    def __init__(self, container, engine, publisher, s3):
        self.container, self.engine, self.publisher, self.s3 = container, engine, publisher, s3
        self.client = make_client(s3)

    def publish(self, event, **fields) -> dict:
        payload = events.make(event, **fields)
        self.publisher.publish(payload, exchange=topology.event_exchange(event.source),
                               routing_key=event.name)
        return payload

    def upload(self, data: bytes, applicant: str, kind: str = "diploma",
               application_id: str | None = None) -> str:
        """Store `data` as intake would and announce it; returns the attachment id."""
        attachment_id = str(uuid.uuid4())
        application_id = application_id or str(uuid.uuid4())
        key = f"2019/{application_id}/{attachment_id}.jpg"
        self.client.put_object(self.s3["ATTACHMENTS_BUCKET"], key, io.BytesIO(data), len(data),
                               content_type="image/jpeg")
        self.publish(events.ATTACHMENT_UPLOADED, application_id=application_id, season="2019",
                     attachment_id=attachment_id, section="education", kind=kind,
                     object_key=key, applicant_id=applicant)
        return attachment_id

    def emitted(self, name: str) -> list[dict]:
        outbox = m.metadata.tables["outbox"]
        with self.engine.connect() as c:
            return [r.payload for r in c.execute(select(outbox).where(
                outbox.c.event_type == name).order_by(outbox.c.id))]

    def checked(self, *attachment_ids: str, timeout: float = 30) -> dict[str, dict]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = {p["attachment_id"]: p for p in self.emitted("attachment_checked")
                     if p["attachment_id"] in attachment_ids}
            if len(found) == len(attachment_ids):
                return found
            eventlet.sleep(0.1)
        raise AssertionError(f"not checked in {timeout}s: {set(attachment_ids) - set(found)}")

    def health(self) -> dict:
        with entrypoint_hook(self.container, "health") as health:
            return health()


def codes(payload: dict) -> list[str]:
    return [r["code"] for r in payload["reasons"]]


# ---- duplicates across applicants (R-3.2 fraud signal) ---------------------------------------


def test_same_jpeg_from_another_applicant_is_flagged_naming_the_first(documents):
    image = scan_jpeg()
    first = documents.upload(image, "applicant-a")
    documents.checked(first)
    second = documents.upload(image, "applicant-b")
    verdicts = documents.checked(first, second)
    assert verdicts[first]["verdict"] == "accepted"
    assert verdicts[second]["verdict"] == "flagged"
    (reason,) = verdicts[second]["reasons"]
    assert reason["code"] == duplicates.CODE
    assert reason["duplicate_of"]["attachment_id"] == first
    assert reason["duplicate_of"]["application_id"] == verdicts[first]["application_id"]


def test_same_applicant_uploading_again_is_not_flagged(documents):
    image = scan_jpeg()
    app = str(uuid.uuid4())
    first = documents.upload(image, "applicant-c", application_id=app)
    documents.checked(first)
    again = documents.upload(image, "applicant-c", application_id=app)
    assert documents.checked(again)[again]["verdict"] == "accepted"


def test_concurrent_duplicate_waits_for_the_first_to_commit_and_is_flagged(documents):
    """Race: another applicant's check of the same picture is in flight (it holds the band lock
    and has not committed). This check must wait, then see it — not accept in between."""
    image = scan_jpeg()
    result = checks.check_attachment(image, "scan")
    keys = duplicates.band_keys(result.phash)
    with documents.engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:c, :k)"),
                     {"c": _DUPLICATE_LOCK_CLASS, "k": keys[3]})
        conn.execute(m.checks.insert().values(
            attachment_id="in-flight", application_id="f1e2d3c4-0000-0000-0000-000000000000",
            applicant_id="applicant-first", kind="diploma", verdict="accepted", reasons=[],
            phash=result.phash, fine_hash=result.fine_hash, checked_at=time_now()))
        conn.execute(m.phash_bands.insert(), [{"band_key": k, "attachment_id": "in-flight"}
                                              for k in keys])
        late = documents.upload(image, "applicant-second")
        eventlet.sleep(3)  # the decode is done by now; the handler waits on the lock
        assert not [p for p in documents.emitted("attachment_checked")
                    if p["attachment_id"] == late]
    verdict = documents.checked(late)[late]
    assert verdict["verdict"] == "flagged"
    assert verdict["reasons"][0]["duplicate_of"]["attachment_id"] == "in-flight"


def test_three_applicants_uploading_one_picture_at_once_give_one_accepted_two_flagged(documents):
    image = scan_jpeg()
    ids = [documents.upload(image, f"applicant-race-{n}") for n in range(3)]
    verdicts = documents.checked(*ids)
    assert sorted(v["verdict"] for v in verdicts.values()) == ["accepted", "flagged", "flagged"]
    (original,) = [i for i, v in verdicts.items() if v["verdict"] == "accepted"]
    for v in verdicts.values():
        if v["verdict"] == "flagged":
            assert v["reasons"][0]["duplicate_of"]["attachment_id"] == original


def time_now():
    from datetime import datetime, timezone
    return datetime.now(timezone.utc)


# ---- malformed and huge input -----------------------------------------------------------------


def _bomb() -> bytes:
    data = jpeg(Image.new("RGB", (64, 64), "white"))
    sof = data.index(b"\xff\xc0")
    return data[:sof + 5] + (60_000).to_bytes(2, "big") * 2 + data[sof + 9:]


def test_malformed_and_huge_files_are_refused_and_the_service_keeps_working(documents):
    whole = scan_jpeg()
    bad = {
        "oversized": (os.urandom(1024) * ((MAX_ATTACHMENT_BYTES // 1024) + 1), "FILE_TOO_LARGE"),
        "bomb": (_bomb(), "TOO_MANY_PIXELS"),
        "junk": (os.urandom(200_000), "NOT_JPEG"),
        "truncated": (whole[: len(whole) // 3], "TRUNCATED"),
        "html": (b"<html><script>alert(1)</script></html>", "NOT_JPEG"),
    }
    ids = {name: documents.upload(data, "applicant-bad") for name, (data, _) in bad.items()}
    verdicts = documents.checked(*ids.values())
    for name, (_, code) in bad.items():
        assert verdicts[ids[name]]["verdict"] == "rejected", name
        assert codes(verdicts[ids[name]]) == [code], name
    good = documents.upload(scan_jpeg(), "applicant-bad")
    assert documents.checked(good)[good]["verdict"] == "accepted"
    assert documents.health()["status"] == "ok"


def test_a_48_megapixel_photo_is_decoded_off_the_hub(documents):
    """While a huge (but legal) image is decoded, the service still answers at once. A phone
    photo turned by EXIF takes the slow path: full decode, rotation, re-encode. Measured here:
    offloaded, the longest stall is ~0.04 s; with the check run on the hub instead, ~1.5 s."""
    exif = Image.Exif()
    exif[0x0112] = 6
    big = jpeg(text_page((8000, 6000), seed=3), quality=80, exif=exif.tobytes())
    # The test runs on the same eventlet hub as the service: a ticker greenthread that wakes
    # every 20 ms sees a stalled hub as a long gap between two of its turns.
    gaps = []

    def ticker():
        last = time.time()
        while True:
            eventlet.sleep(0.02)
            now = time.time()
            gaps.append(now - last - 0.02)
            last = now

    ticking = eventlet.spawn(ticker)
    try:
        attachment = documents.upload(big, "applicant-big")
        assert documents.checked(attachment, timeout=90)[attachment]["verdict"] == "accepted"
        assert documents.health()["status"] == "ok"
    finally:
        ticking.kill()
    print(f"longest stall of the hub while decoding: {max(gaps):.3f}s")
    assert max(gaps) < 0.5, f"the hub stalled {max(gaps):.2f}s while decoding"


# ---- the 评审表 ---------------------------------------------------------------------------------


def _submitted(documents, application_id, version, photo_id, occurred_at):
    app = applications.body()
    snapshot = {"sections": app["sections"], "series": app["series"],
                "specialty": app["specialty"], "level": app["level"],
                "category": app.get("category", "in_service"), "unit_id": app["unit_id"],
                "attachments": [{"id": photo_id, "section": "basic", "kind": "photo",
                                 "status": "accepted"}]}
    return documents.publish(
        events.APPLICATION_SUBMITTED, occurred_at=occurred_at, application_id=application_id,
        season="2019", version=version, submission_no=version, kind="first",
        applicant_id="applicant-form", unit_id=app["unit_id"], category="in_service",
        series=app["series"], level=app["level"], specialty=app["specialty"],
        applicant={"person_id": "applicant-form", "name": "张三", "email": "z@example.org",
                   "phone": "13800000000", "channel": "email"}, snapshot=snapshot)


def _rendered(documents, application_id, count, timeout=60, kind="evaluation_form"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [p for p in documents.emitted("document_rendered")
                 if p["application_id"] == application_id and p["kind"] == kind]
        if len(found) >= count:
            return found
        eventlet.sleep(0.2)
    raise AssertionError("not rendered")


def test_each_submission_gets_its_own_form_with_the_photo_and_a_repeat_changes_nothing(documents):
    app_id = str(uuid.uuid4())
    photo = documents.upload(photo_jpeg(seed=5), "applicant-form", kind="photo",
                             application_id=app_id)
    assert documents.checked(photo)[photo]["verdict"] == "accepted"

    _submitted(documents, app_id, 1, photo, "2019-10-20T04:00:00+00:00")
    (first,) = _rendered(documents, app_id, 1)
    pdf = documents.client.get_object(documents.s3["DOCUMENTS_BUCKET"], first["object_key"]).read()
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == first["pages"] and first["pages"] % 2 == 0
    assert len(pages[1].images) == 1  # the one-inch photo in the 基本情况 box
    assert f"指纹 {first['fingerprint'][:16]}" in pages[0].extract_text()

    # the same submission announced again (another event id): no second document
    _submitted(documents, app_id, 1, photo, "2019-10-20T04:00:00+00:00")
    eventlet.sleep(2)
    assert len(_rendered(documents, app_id, 1)) == 1

    # a resubmission: its own document, code and fingerprint
    _submitted(documents, app_id, 2, photo, "2019-10-25T04:00:00+00:00")
    second = _rendered(documents, app_id, 2)[1]
    assert second["version"] == 2 and second["object_key"] != first["object_key"]
    assert second["verification_code"] != first["verification_code"]
    assert second["fingerprint"] != first["fingerprint"]
    with documents.engine.connect() as c:
        assert c.execute(select(m.rendered.c.version).where(
            m.rendered.c.application_id == app_id, m.rendered.c.kind == "evaluation_form")
            .order_by(m.rendered.c.version)).scalars().all() == [1, 2]
    # 附件1 beside each 评审表 (D-2); no exemption claimed, so no 附件2
    assert [g["version"] for g in _rendered(documents, app_id, 2, kind="guarantee")] == [1, 2]
    assert not [p for p in documents.emitted("document_rendered")
                if p["application_id"] == app_id and p["kind"] == "exemption_form"]


R_4_2 = "本单位已对提供的申报材料逐一审核，真实准确，同意推荐"


def _decided(documents, application_id, step, decision, opinion, decided_at, task_id=None):
    return documents.publish(
        events.STEP_DECIDED, application_id=application_id, season="2019",
        task_id=task_id or str(uuid.uuid4()), step=step, org_id=f"org-{step}",
        decision=decision, opinion=opinion, decided_at=decided_at, next_step=None,
        reviewer={"person_id": f"P-{step}", "name": f"审核人{step}", "role": "unit_reviewer",
                  "org_id": f"org-{step}"})


def _text(documents, payload) -> str:
    pdf = documents.client.get_object(documents.s3["DOCUMENTS_BUCKET"],
                                      payload["object_key"]).read()
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def test_d1_each_decision_renders_the_latest_versions_form_again_with_the_opinions(documents):
    app_id = str(uuid.uuid4())
    photo = documents.upload(photo_jpeg(seed=6), "applicant-form", kind="photo",
                             application_id=app_id)
    assert documents.checked(photo)[photo]["verdict"] == "accepted"
    _submitted(documents, app_id, 1, photo, "2019-10-20T04:00:00+00:00")
    _rendered(documents, app_id, 1)
    _submitted(documents, app_id, 2, photo, "2019-10-22T04:00:00+00:00")
    v1, v2 = _rendered(documents, app_id, 2)
    assert (v1["revision"], v2["revision"]) == (0, 0)

    unit = _decided(documents, app_id, "unit", "recommended", R_4_2, "2019-10-28T03:00:00+00:00")
    first = _rendered(documents, app_id, 3)[2]
    # the latest version's form, as its next revision, with its own code and fingerprint
    assert (first["version"], first["revision"]) == (2, 1)
    assert first["verification_code"] not in (v1["verification_code"], v2["verification_code"])
    assert first["fingerprint"] != v2["fingerprint"] and first["object_key"] != v2["object_key"]
    text = _text(documents, first)
    assert f"已在系统记录（审核人unit 2019-10-28）：{R_4_2}" in text
    pdf = documents.client.get_object(documents.s3["DOCUMENTS_BUCKET"], first["object_key"]).read()
    assert len(PdfReader(io.BytesIO(pdf)).pages[1].images) == 1  # still with the photo

    # the same decision delivered again (another event id): nothing new
    documents.publish(events.STEP_DECIDED, **{k: unit[k] for k in events.STEP_DECIDED.fields})
    eventlet.sleep(2)
    assert len(_rendered(documents, app_id, 3)) == 3

    _decided(documents, app_id, "department", "forwarded", "", "2019-10-29T03:00:00+00:00")
    second = _rendered(documents, app_id, 4)[3]
    assert (second["version"], second["revision"]) == (2, 2)
    text = _text(documents, second)
    assert R_4_2 in text and "已在系统记录（审核人department 2019-10-29）：同意，逐级上报" in text

    with documents.engine.connect() as c:
        assert c.execute(select(m.opinions.c.step).where(m.opinions.c.application_id == app_id)
                         .order_by(m.opinions.c.id)).scalars().all() == ["unit", "department"]
        assert c.execute(select(m.rendered.c.version, m.rendered.c.revision).where(
            m.rendered.c.application_id == app_id, m.rendered.c.kind == "evaluation_form")
            .order_by(m.rendered.c.version, m.rendered.c.revision)).all() \
            == [(1, 0), (2, 0), (2, 1), (2, 2)]


def test_d1_the_same_opinions_render_the_same_fingerprint(documents):
    """Determinism: the revision's fingerprint is the one its inputs (the stored form, the
    recorded opinion, the meta) give when rendered anywhere else."""
    app_id = str(uuid.uuid4())
    _submitted(documents, app_id, 1, str(uuid.uuid4()), "2019-10-20T04:00:00+00:00")
    _rendered(documents, app_id, 1)
    task = str(uuid.uuid4())
    _decided(documents, app_id, "unit", "recommended", R_4_2, "2019-10-28T03:00:00+00:00", task)
    first = _rendered(documents, app_id, 2)[1]
    # the same content rendered again directly gives the same fingerprint
    from documents import render
    from documents.form import form_opinion, with_opinions
    with documents.engine.connect() as c:
        source = c.execute(select(m.sources).where(m.sources.c.application_id == app_id)).one()
    form = with_opinions(source.form, [form_opinion(
        "unit", "recommended", R_4_2, {"person_id": "P-unit", "name": "审核人unit"},
        "2019-10-28T03:00:00+00:00")])
    code = render.verification_code("service-test-secret", app_id, 1, "evaluation_form", 1)
    assert code == first["verification_code"]
    meta = render.DocumentMeta(app_id[:8].upper(), code, "2019",
                               f"http://v.example/verify/{code}", source.generated_at)
    assert render.content_fingerprint("evaluation_form", form, meta) == first["fingerprint"]


def test_r3_4_a_claimed_exemption_gets_its_approval_form(documents):
    app_id = str(uuid.uuid4())
    app = applications.body()
    sections = dict(app["sections"])
    sections["continuing_education"] = {"exempt": True, "exemption_category": "village_temple"}
    documents.publish(
        events.APPLICATION_SUBMITTED, occurred_at="2019-10-20T04:00:00+00:00",
        application_id=app_id, season="2019", version=1, submission_no=1, kind="first",
        applicant_id="applicant-exempt", unit_id=app["unit_id"], category="in_service",
        series=app["series"], level=app["level"], specialty=app["specialty"],
        applicant={"person_id": "applicant-exempt", "name": "李四", "email": "l@example.org",
                   "phone": "13800000001", "channel": "email"},
        snapshot={"sections": sections, "series": app["series"], "specialty": app["specialty"],
                  "level": app["level"], "unit_id": app["unit_id"], "attachments": []})
    (exemption,) = _rendered(documents, app_id, 1, kind="exemption_form")
    assert "驻村管寺" in _text(documents, exemption) and exemption["pages"] % 2 == 0
    (guarantee,) = _rendered(documents, app_id, 1, kind="guarantee")
    assert "真实性保证书" in _text(documents, guarantee)


# ---- lists printed on request (D-4) ------------------------------------------------------------

LIST_CONTEXT = {"org_id": "unit-x", "org_name": "示例单位", "season": "2019",
                "issued_on": "2019-10-23", "working_days": 5,
                "contact": {"person": "刘红", "phone": "0991-1234567"}}
LIST_ROWS = [{"name": "张三", "current_title": "工程师", "specialty": "纺织",
              "applied_title": "高级工程师", "starts_on": "2019-10-15", "ends_on": "2019-10-21",
              "outcome": "no_objection", "objections": 0}]


def test_d4_a_list_is_rendered_over_rpc_the_same_twice_and_its_code_is_kept(documents):
    import base64
    with entrypoint_hook(documents.container, "render_list") as render_list:
        first = render_list("publicity_notice", LIST_ROWS, LIST_CONTEXT | {"result": True})
        again = render_list("publicity_notice", LIST_ROWS, LIST_CONTEXT | {"result": True})
        other = render_list("publicity_notice", LIST_ROWS, LIST_CONTEXT)
    assert (first["verification_code"], first["fingerprint"]) == \
        (again["verification_code"], again["fingerprint"])
    assert other["verification_code"] != first["verification_code"]
    pdf = base64.b64decode(first["pdf_base64"])
    printed = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "张三" in printed and first["verification_code"] in printed
    with entrypoint_hook(documents.container, "printed_list") as printed_list:
        kept = printed_list(first["verification_code"])
        unknown = printed_list("22222-22222")
    assert (kept["kind"], kept["org_id"], kept["fingerprint"]) == (
        "publicity_notice", "unit-x", first["fingerprint"])
    assert unknown[REFUSAL_KEY]["code"] == "DOCUMENT_UNKNOWN", unknown
    with documents.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM printed_lists")).scalar() == 2


def test_d4_a_list_missing_data_is_refused_and_nothing_is_kept(documents):
    with entrypoint_hook(documents.container, "render_list") as render_list:
        refused = render_list("publicity_notice", [{"name": "张三"}], LIST_CONTEXT)
    assert refused[REFUSAL_KEY]["code"] == "LIST_DATA_INVALID"
    assert refused[REFUSAL_KEY]["field"] == "rows.0.starts_on"
    with documents.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM printed_lists")).scalar() == 0


def test_d1_two_decisions_at_once_give_two_revisions_each_pdf_its_own(documents):
    """Both aim at revision 1; one loses on the unique constraint, retries as revision 2 with
    both opinions, and the stored PDF of each revision is the one its row describes."""
    app_id = str(uuid.uuid4())
    _submitted(documents, app_id, 1, str(uuid.uuid4()), "2019-10-20T04:00:00+00:00")
    _rendered(documents, app_id, 1)
    _decided(documents, app_id, "unit", "recommended", R_4_2, "2019-10-28T03:00:00+00:00")
    _decided(documents, app_id, "department", "forwarded", "同意上报", "2019-10-28T03:00:01+00:00")
    revisions = _rendered(documents, app_id, 3, timeout=90)[1:]
    assert sorted(r["revision"] for r in revisions) == [1, 2]
    for r in revisions:
        assert f"指纹 {r['fingerprint'][:16]}" in _text(documents, r)
    last = max(revisions, key=lambda r: r["revision"])
    assert R_4_2 in _text(documents, last) and "同意上报" in _text(documents, last)
