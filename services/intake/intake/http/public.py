"""The routes anyone may call: health, the OpenAPI document, the problem answer for a path the
API does not serve, and the public verification of a printed document's QR code (issue #5,
D-1, R-5.1 "有水印为有效").

Every page of a rendered document carries its verification code (watermark and footer) and a
QR code of ``<VERIFY_URL_BASE>/<code>?fp=<the fingerprint's first 16 hex digits>``. Anyone
holding the paper — the committee at delivery (R-5.1), an employer later — opens that URL without
logging in; the answer says which document the code belongs to: kind, version, season,
application number, page count, fingerprint, and the applicant's name **masked** (no other
personal data leaves through this door).

How a false printout fails:
* a list printed on request (D-4: publicity notice, delivery list, results list) is not an
  application's document: documents keeps its code and intake asks it (``printed_list``); the
  answer names the list's kind, organisation and season;
* a made-up code → 404 ``DOCUMENT_UNKNOWN`` (codes are HMACs of the application, version and
  kind under documents' secret: 50 bits, not guessable; the rate limit makes trying expensive);
* a QR code regenerated for edited content, or copied from another version's pages, carries a
  fingerprint prefix the stored document does not have → 409 ``DOCUMENT_ALTERED`` (the
  fingerprint hashes what the document says, `documents.render.content_fingerprint`);
* a genuine printout that is no longer the newest answers ``superseded: true``: a later
  submission has its own document (``latest_version``), or the 评审表 of the same version was
  rendered again with an opinion recorded since (``latest_revision``);
* an application's documents are drawn on their first download (issue 15); a code whose
  document intake has not seen drawn yet is drawn by documents now, so the answer has its pages;
* a printout whose text was edited around an intact QR code shows a name, application number,
  version or page count that differ from the answer; the committee compares (and may open the
  stored PDF through the authenticated application view).

The code is checked for its format before any lookup (400 ``VERIFICATION_CODE_MALFORMED``), and
each client address gets `VERIFY_BURST` requests at once and `VERIFY_RATE_PER_MINUTE` after that
(429 ``RATE_LIMITED`` with Retry-After, `http.ratelimit`). Documented in openapi/verify.yaml.
"""
from __future__ import annotations

import hmac
import math
import re

from contracts.errors import Refusal
from contracts.people import application_number, mask_name
from intake import dependencies, store
from intake.http import openapi, pages
from intake.http.problems import endpoint, json_response, problem
from intake.http.server import http
from plumbing.health import report

CODE_PATTERN = re.compile(r"[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}")  # documents.render's alphabet
FINGERPRINT_PREFIX = re.compile(r"[0-9a-f]{16}")
KIND_NAMES = {
    "evaluation_form": "专业技术职务任职资格评审表",
    "guarantee": "专业技术资格评审材料真实性保证书",
    "exemption_form": "继续教育免试审批表",
    "publicity_notice": "单位公示（公示结果）",
    "delivery_list": "纸质评审材料报送清单",
    "results_list": "评审通过人员名单",
}


def normalise_code(raw: str) -> str:
    """The code as printed ("ABCDE-FGH23"), accepting lower case and a missing dash; anything
    else is refused before it reaches the database."""
    code = (raw or "").strip().upper()
    if len(code) == 10 and "-" not in code:
        code = f"{code[:5]}-{code[5:]}"
    if not CODE_PATTERN.fullmatch(code):
        raise Refusal("VERIFICATION_CODE_MALFORMED",
                      "验证码格式不正确：应为10位字母数字（如 AB3CD-EF4GH），请核对纸质文件上的验证码",
                      field="code")
    return code


class Public:
    db, documents, verify_rate = dependencies.db, dependencies.documents, \
        dependencies.verify_rate

    @http("GET", "/openapi.json")
    @endpoint
    def openapi(self, request):
        return json_response(openapi.document())

    @http("GET", "/health")
    @endpoint
    def http_health(self, request):
        return json_response({"service": self.name, **report(self.db)})

    # ---- verification of printed documents ----------------------------------------------------

    def _verify_list(self, code: str, prefix: str | None) -> dict:
        """A unit's publicity notice, delivery list or a results list (D-4): documents printed
        it and keeps its code."""
        printed = self.documents.printed_list(code)  # DOCUMENT_UNKNOWN (404) when it never was
        if prefix is not None and not hmac.compare_digest(printed["fingerprint"][:16], prefix):
            raise altered()
        return {
            "genuine": True, "verification_code": code, "kind": printed["kind"],
            "kind_name": KIND_NAMES.get(printed["kind"], printed["kind"]),
            "org_id": printed["org_id"], "season": printed["season"],
            "fingerprint": printed["fingerprint"], "pages": printed["pages"],
            "rendered_at": printed["rendered_at"], "superseded": False}

    def _verified(self, code: str, prefix: str | None) -> tuple[dict, str]:
        """What the code proves, and the time zone its dates are read in."""
        with self.db.session() as session:
            doc = store.document_by_code(session, code)
            if doc is None:  # perhaps a list printed on request (D-4): documents keeps those
                answer = self._verify_list(code, prefix)
                return answer, zone_of(session, answer["season"])
            if prefix is not None and not hmac.compare_digest(doc.fingerprint[:16], prefix):
                raise altered()
            app = store.season_and_applicant(session, doc.application_id)
            snapshot = store.version_snapshot(session, doc.application_id, doc.version)
            latest, latest_revision = store.latest_document(session, doc.application_id,
                                                            doc.kind, doc.version)
            zone = zone_of(session, app.season)
        pages = doc.pages
        if pages is None:  # not downloaded through intake yet: documents draws it (once)
            pages = self.documents.document_object(doc.id)["pages"]
        basic = ((snapshot or {}).get("sections") or {}).get("basic") or {}
        name = basic.get("name") or (app.applicant or {}).get("name") or ""
        return {
            "genuine": True, "verification_code": code, "kind": doc.kind,
            "kind_name": KIND_NAMES.get(doc.kind, doc.kind), "version": doc.version,
            "revision": doc.revision, "latest_version": latest,
            "latest_revision": latest_revision,
            "superseded": latest > doc.version or latest_revision > doc.revision,
            "season": app.season, "application_no": application_number(doc.application_id),
            "applicant_name_masked": mask_name(name), "fingerprint": doc.fingerprint,
            "pages": pages, "rendered_at": doc.created_at}, zone

    @http("GET", "/verify/<string:code>")
    @endpoint
    def verify_document(self, request, code):
        """Public (no token): is this printed document genuine? (R-5.1) A browser (Accept:
        text/html) gets a page for a phone (`intake.http.pages`), an API client JSON."""
        html = pages.wants_html(request)
        wait = self.verify_rate.take(request)  # per client, also behind the proxy
        if wait:
            refusal = Refusal("RATE_LIMITED", "查询过于频繁，请稍后再试", status=429)
            response = pages.verify_page("invalid", 429, message=refusal.message) if html \
                else problem(refusal)
            response.headers["Retry-After"] = str(math.ceil(wait))
            return response
        try:
            code = normalise_code(code)
            prefix = request.args.get("fp")
            if prefix is not None and not FINGERPRINT_PREFIX.fullmatch(prefix):
                raise Refusal("FINGERPRINT_MALFORMED", "二维码内容不完整或格式不正确，请重新扫描",
                              field="fp")
            answer, zone = self._verified(code, prefix)
        except Refusal as refusal:
            if not html or refusal.status >= 500:
                raise
            state = {"DOCUMENT_ALTERED": "altered", "DOCUMENT_UNKNOWN": "unknown"}.get(
                refusal.code, "invalid")
            return pages.verify_page(state, refusal.status, message=refusal.message)
        if html:
            return pages.verify_page("superseded" if answer["superseded"] else "genuine", 200,
                                     answer, zone=zone)
        return json_response(answer, headers={"Cache-Control": "no-store", "Vary": "Accept"})


def altered() -> Refusal:
    return Refusal("DOCUMENT_ALTERED", "二维码与系统存档的文件不符，该纸质文件可能被改动，不能作为有效文件",
                   status=409, field="fp")


def zone_of(session, season_id: str) -> str:
    """The season's time zone, to show dates as people there read them."""
    try:
        return store.season(session, season_id).time_zone
    except Refusal:
        return "Asia/Shanghai"
