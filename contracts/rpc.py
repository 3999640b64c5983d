"""RPC contracts: the synchronous calls between services (docs/services.md).

Events carry facts; RPC is only for intake asking another service something while a frontend
request waits. Each entry names the method, its arguments and what it answers; a `Refusal`
crosses RPC whole (`plumbing.rpc`). Each service's section is kept by that service's owners.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Method:
    service: str
    name: str
    args: tuple[str, ...]
    doc: str


# ---- review ----------------------------------------------------------------------------------

REVIEW_VISIBLE = Method(
    "review", "visible", ("role", "org_id", "application_id"),
    "True when a department reviewer, committee secretary or expert acting for `org_id` may "
    "see the application (docs/rules.md §9: its subtree, its committee, its assigned "
    "applications).")

REVIEW_LIST_TASKS = Method(
    "review", "list_tasks", ("org_id", "status"),
    "The review tasks of an organisation, oldest first; `status` open | done | None (all).")

# Every deciding method takes `principal` = {sub, role, org, name} as intake authenticated it:
# review checks scope and step and records who decided. Refusals cross as data.
_P = "principal"
REVIEW_APPLICATION = Method("review", "application", (_P, "application_id"),
                            "Review's view: route, tasks and decisions, publicities, objections, "
                            "supplement requests, result, cases.")
REVIEW_OPEN_PUBLICITY = Method("review", "open_publicity", (_P, "application_id"),
                               "R-4.2, R-2.3: the unit publicity for 5 working days.")
REVIEW_RECORD_OBJECTION = Method("review", "record_objection", (_P, "application_id", "text"),
                                 "R-4.2: an objection to the unit publicity.")
REVIEW_RESOLVE_OBJECTION = Method("review", "resolve_objection",
                                  (_P, "application_id", "objection_id", "upheld", "resolution"),
                                  "R-4.2: resolve an objection; upheld closes the publicity.")
REVIEW_RECOMMEND = Method("review", "recommend", (_P, "application_id", "opinion"),
                          "R-4.2: after the publicity, R-4.2's exact opinion; next level.")
REVIEW_FORWARD = Method("review", "forward", (_P, "application_id", "reason"),
                        "R-4.3: a department forwards to the next level.")
REVIEW_RETURN = Method("review", "return_application",
                       (_P, "application_id", "problems", "reason"),
                       "R-4.4, N-8.5: return with every problem ({code, message, field}).")
REVIEW_ACCEPT = Method("review", "accept", (_P, "application_id", "reason"),
                       "R-4.4: the committee's formal review accepts.")
REVIEW_REFUSE = Method("review", "refuse", (_P, "application_id", "reason"),
                       "R-4.4: the committee refuses (不予受理).")
REVIEW_REQUEST_SUPPLEMENT = Method("review", "request_supplement", (_P, "application_id", "items"),
                                   "R-4.5: supplements within 48 hours.")
REVIEW_OPEN_MEETING = Method("review", "open_meeting", (_P, "application_ids", "attending"),
                             "N-8.1, N-8.2, N-8.4: a meeting with quorum; automatic recusals.")
REVIEW_DECLARE_RECUSAL = Method("review", "declare_recusal",
                                (_P, "meeting_id", "application_id", "expert_id", "reason"),
                                "N-8.4: a declared recusal.")
REVIEW_CAST_BALLOT = Method("review", "cast_ballot", (_P, "meeting_id", "application_id", "choice"),
                            "N-8.3: a secret ballot (for | against | abstain).")
REVIEW_CLOSE_MEETING = Method("review", "close_meeting", (_P, "meeting_id"),
                              "N-8.3, N-8.6: tally, decide at 2/3, post results.")
REVIEW_RESULT_OBJECTION = Method("review", "record_result_objection",
                                 (_P, "application_id", "text", "owner"),
                                 "N-8.6: an objection to a posted result opens a case.")
REVIEW_OPEN_CASE = Method("review", "open_case", (_P, "application_id", "kind", "text", "owner"),
                          "N-8.7: re-check or complaint.")
REVIEW_CLOSE_CASE = Method("review", "close_case", (_P, "case_id", "outcome", "upheld"),
                           "N-8.6, N-8.7: close a case with its outcome.")
REVIEW_FINALIZE_RESULT = Method("review", "finalize_result", (_P, "application_id"),
                                "N-8.6: the result becomes final.")
REVIEW_PAPER_DELIVERY = Method("review", "record_paper_delivery",
                               (_P, "unit_id", "application_ids"),
                               "R-5.1, R-2.2: a unit's paper delivery inside the window.")
REVIEW_PAPER_CHECKLIST = Method("review", "paper_checklist", (_P, "application_id"),
                                "R-5.1, R-5.2: the checklist (1)-(11).")
REVIEW_PAPER_ITEM = Method("review", "update_paper_item", (_P, "application_id", "number", "state"),
                           "R-5.2: receive / verify-and-hand-back one item.")
REVIEW_IMPOSE_SANCTION = Method("review", "impose_sanction",
                                (_P, "subject", "reason", "application_id", "subject_id",
                                 "decided_on", "series", "level", "person_key",
                                 "id_number_masked"),
                                "R-1.5: unit 3 years, person 5 years from the corresponding "
                                "title, from the decision's date (admin); a person by account, "
                                "application or ID hash.")
REVIEW_LOAD_ORGANISATIONS = Method("review", "load_organisations", ("text", "filename"),
                                   "Organisations and committees: YAML text, XLSX base64 "
                                   "(filename .xlsx) or {table: csv text}.")
REVIEW_LOAD_SEASON = Method("review", "load_season", ("text",), "The season file.")
REVIEW_LOAD_CALENDAR = Method("review", "load_calendar", (_P, "days"),
                              "R-2.3: overrides {YYYY-MM-DD: working}.")
REVIEW_EXPORT_LIST = Method("review", "export_list", ("kind", "org_id"),
                            "D-4 lists as flat rows: tasks | results | paper | sanctions.")
REVIEW_AUDIT_LOG = Method("review", "audit_log", (), "R-4.1: every audit entry with its hash.")
REVIEW_VERIFY_AUDIT = Method("review", "verify_audit", (),
                             "R-4.1: {entries, problems}; AUDIT_CHAIN_BROKEN names the first bad entry.")


# ---- notify ----------------------------------------------------------------------------------

NOTIFY_ATTEMPTS = Method(
    "notify", "attempts", ("application_id",),
    "Every send and attempt about an application: template, channel, masked recipient, status, "
    "times, provider answer (issue #6: \"was I told?\").")

NOTIFY_RESEND = Method(
    "notify", "resend", ("send_id",),
    "Send a `failed` or `dead` notification again with a fresh retry budget (what replaying its "
    "dead letter does); answers {send_id, status}; SEND_UNKNOWN for no such send.")

NOTIFY_DEAD_LETTERS = Method(
    "notify", "dead_letters", (),
    "Every notification that could not be delivered (`failed` or `dead`), newest first.")

NOTIFY_SAVE_TEMPLATE = Method(
    "notify", "save_template", ("event", "channel", "body", "subject", "template_code", "by"),
    "An administrator changes one template; refused (TEMPLATE_INVALID, every problem) when it "
    "uses a variable its event does not provide. Answers the template as `template` does.")

NOTIFY_TEMPLATE = Method(
    "notify", "template", ("event", "channel"),
    "The template in use for an event and channel, and the variables it may use.")


# ---- documents -------------------------------------------------------------------------------

DOCUMENTS_RENDER_LIST = Method(
    "documents", "render_list", ("kind", "rows", "context"),
    "D-4 on demand: `kind` publicity_notice (R-4.2; `context.result` true for its result) | "
    "delivery_list (R-5.1) | results_list (R-6.1), from `rows` intake gathered from review and "
    "its applications, with `context` {org_id, org_name, season, issued_on, contact, "
    "working_days | window, address | period}. Answers {kind, pdf_base64, pages, fingerprint, "
    "verification_code, filename}; LIST_KIND_UNKNOWN, LIST_DATA_INVALID (field path), "
    "PUBLICITY_NOT_ENDED.")

DOCUMENTS_PRINTED_LIST = Method(
    "documents", "printed_list", ("verification_code",),
    "A list printed by render_list, by its code (for intake's public verify): {verification_code, "
    "kind, org_id, season, fingerprint, pages, rendered_at}; DOCUMENT_UNKNOWN (404) if none.")

DOCUMENTS_DOCUMENT_OBJECT = Method(
    "documents", "document_object", ("document_id",),
    "Where a rendered document's PDF is stored, for intake to stream it to whoever may see the "
    "application: {document_id, application_id, kind, version, revision, object_key (documents "
    "bucket), filename (Chinese), content_type, verification_code, fingerprint, pages}; "
    "DOCUMENT_UNKNOWN (404). documents may render on demand behind it.")

DOCUMENTS_CHECKED_COPY = Method(
    "documents", "checked_copy", ("attachment_id",),
    "Where an attachment's checked copy (upright, no metadata, R-3.2) is stored: {attachment_id, "
    "object_key (attachments bucket), content_type, verdict}; CHECKED_COPY_UNKNOWN (404) while "
    "it is checked or when it was rejected.")

DOCUMENTS_RENDER_DRAFT = Method(
    "documents", "render_draft", ("application_id", "kind", "snapshot", "applicant", "season"),
    "附件1 (`guarantee`, D-2) or 附件2 (`exemption_form`, D-3) rendered from a draft (the "
    "application as intake's snapshot has it) for the applicant to print, sign and upload; kept "
    "as version 0 of that document (DOCUMENT_RENDERED), the same content the same revision. "
    "Answers DOCUMENTS_DOCUMENT_OBJECT's fields and `pdf_base64`; FORM_KIND_UNKNOWN (404), "
    "FORM_NOT_APPLICABLE (409).")
