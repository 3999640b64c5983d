"""documents' documents in a container: the 评审表 recorded at each submission and on each
decision (D-1), 附件1 and 附件2 (D-2, D-3), each drawn on its first download (issue 15), and the
lists printed on request (D-4). The `documents` fixture is in conftest.py."""
from __future__ import annotations

import base64
import io
import time
import uuid

import eventlet
import pytest
from nameko.testing.services import entrypoint_hook
from pypdf import PdfReader
from sqlalchemy import select, text

from contracts import events
from documents import models as m, render
from documents.form import form_opinion, with_opinions
from plumbing.rpc import REFUSAL_KEY
from tests.support import applications
from tests.support.images import photo_jpeg

pytestmark = pytest.mark.service


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


def _drawn(documents, payload) -> dict:
    """Ask for the document as intake does on a download (`document_object`): drawn now if it
    never was; answers where it is, with its page count."""
    with entrypoint_hook(documents.container, "document_object") as document_object:
        found = document_object(payload["document_id"])
    assert REFUSAL_KEY not in found, found
    assert found["object_key"] == payload["object_key"]
    return found


def _pdf(documents, payload) -> bytes:
    _drawn(documents, payload)
    return documents.client.get_object(documents.s3["DOCUMENTS_BUCKET"],
                                       payload["object_key"]).read()


def _stored(documents, key) -> bool:
    return any(o.object_name == key for o in documents.client.list_objects(
        documents.s3["DOCUMENTS_BUCKET"], prefix=key.rsplit("/", 1)[0] + "/", recursive=True))


def test_each_submission_gets_its_own_form_with_the_photo_and_a_repeat_changes_nothing(documents):
    app_id = str(uuid.uuid4())
    photo = documents.upload(photo_jpeg(seed=5), "applicant-form", kind="photo",
                             application_id=app_id)
    assert documents.checked(photo)[photo]["verdict"] == "accepted"

    _submitted(documents, app_id, 1, photo, "2019-10-20T04:00:00+00:00")
    (first,) = _rendered(documents, app_id, 1)
    found = _drawn(documents, first)
    pdf = documents.client.get_object(documents.s3["DOCUMENTS_BUCKET"], first["object_key"]).read()
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == found["pages"] and found["pages"] % 2 == 0
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
    pdf = _pdf(documents, payload)
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
    pdf = _pdf(documents, first)
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
    assert "驻村管寺" in _text(documents, exemption)
    assert _drawn(documents, exemption)["pages"] % 2 == 0
    (guarantee,) = _rendered(documents, app_id, 1, kind="guarantee")
    assert "真实性保证书" in _text(documents, guarantee)


def test_issue_15_a_submission_draws_nothing_the_first_download_draws_once(documents,
                                                                           monkeypatch):
    """五(一): the 评审表 is printed once the online review has passed, so the submission only
    records each document (code, fingerprint, the key its PDF will have; `pages` null) and the
    first `document_object` draws it; every later request is a cache hit. The drawn PDF carries
    the fingerprint announced at submission (its QR code verifies)."""
    from documents import downloads
    drawn = []
    real = downloads.draw_recorded
    monkeypatch.setattr(downloads, "draw_recorded",
                        lambda *a, **k: drawn.append(a[2].id) or real(*a, **k))
    app_id = str(uuid.uuid4())
    _submitted(documents, app_id, 1, str(uuid.uuid4()), "2019-10-20T04:00:00+00:00")
    (form,) = _rendered(documents, app_id, 1)
    (guarantee,) = _rendered(documents, app_id, 1, kind="guarantee")
    assert form["pages"] is None and guarantee["pages"] is None
    assert not _stored(documents, form["object_key"])  # nothing drawn at submission
    _decided(documents, app_id, "unit", "recommended", R_4_2, "2019-10-28T03:00:00+00:00")
    revision = _rendered(documents, app_id, 2)[1]
    assert revision["pages"] is None and not _stored(documents, revision["object_key"])

    first = _drawn(documents, form)
    assert first["pages"] % 2 == 0 and drawn == [form["document_id"]]
    assert _stored(documents, form["object_key"])
    again = _drawn(documents, form)  # a cache hit: not drawn again
    assert again["pages"] == first["pages"] and drawn == [form["document_id"]]
    with documents.engine.connect() as c:
        assert c.execute(select(m.rendered.c.pages).where(
            m.rendered.c.id == form["document_id"])).scalar() == first["pages"]
    text = _text(documents, form).replace(" ", "")
    assert f"指纹{form['fingerprint'][:16]}".replace(" ", "") in text
    assert not _stored(documents, guarantee["object_key"])  # only what was asked for


# ---- lists printed on request (D-4) ------------------------------------------------------------

LIST_CONTEXT = {"org_id": "unit-x", "org_name": "示例单位", "season": "2019",
                "issued_on": "2019-10-23", "working_days": 5,
                "contact": {"person": "刘红", "phone": "0991-1234567"}}
LIST_ROWS = [{"name": "张三", "current_title": "工程师", "specialty": "纺织",
              "applied_title": "高级工程师", "starts_on": "2019-10-15", "ends_on": "2019-10-21",
              "outcome": "no_objection", "objections": 0}]


def test_d4_a_list_is_rendered_over_rpc_the_same_twice_and_its_code_is_kept(documents):
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
