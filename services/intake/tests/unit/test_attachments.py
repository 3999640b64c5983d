"""Required attachments per section (R-3.3, R-3.4, R-3.5, R-1.3) and their check status (R-3.2)."""
from pathlib import Path

import pytest

from contracts.season import load_season
from intake.rules.attachments import is_known_kind, attachment_problems, required_attachments
from tests.support.applications import example_application

SEASON = load_season(Path(__file__).resolve().parents[4] / "seasons" / "2019.yaml")


@pytest.fixture
def app():
    return example_application(SEASON)


def kinds(app, section):
    return {r.kind: r.min_count for r in required_attachments(app, SEASON) if r.section == section}


def uploads(app, status="accepted"):
    """One record per required copy, all with `status`."""
    return [{"section": r.section, "kind": r.kind, "status": status}
            for r in required_attachments(app, SEASON) for _ in range(r.min_count)]


def test_r3_3_basic_and_education_attachments(app):
    assert kinds(app, "basic") == {"id_card": 1, "photo": 1}
    assert kinds(app, "education") == {"diploma": 1, "degree_certificate": 1, "chsi_report": 1}


def test_r3_3_education_without_degree_needs_no_degree_certificate(app):
    app["sections"]["education"]["degrees"][0]["degree"] = "无"
    assert "degree_certificate" not in kinds(app, "education")


def test_r3_3_title_obtained_in_xinjiang_needs_only_the_certificate(app):
    assert kinds(app, "qualification") == {"title_certificate": 1}


def test_r3_3_title_obtained_elsewhere_needs_document_and_evaluation_form(app):
    app["sections"]["qualification"]["obtained_in_xinjiang"] = False
    assert kinds(app, "qualification") == {
        "title_certificate": 1, "qualification_document": 1, "evaluation_form": 1}


def test_r3_3_publications_need_cover_contents_body_and_works_a_stamp(app):
    entries = app["sections"]["publications"]["entries"]
    entries.append(dict(entries[0]))
    entries.append(dict(entries[0], kind="代表作品"))
    assert kinds(app, "publications") == {"cover": 2, "contents": 2, "body": 2, "stamped_work": 1}


def test_r3_3_one_evidence_per_achievement_and_none_for_wu(app):
    assert kinds(app, "achievements") == {"evidence": 1}
    app["sections"]["achievements"]["entries"] = ["无"]
    assert kinds(app, "achievements") == {}


def test_r3_3_continuing_education_certificates_name_the_season_years(app):
    labels = {r.kind: r.label_zh for r in required_attachments(app, SEASON)
              if r.section == "continuing_education"}
    assert labels == {"specialty_certificate": "2019年专业科目继续教育合格证书",
                      "public_certificate": "2014年—2019年公需科目继续教育合格证书"}


def test_r3_4_exempt_applicant_brings_annex_2_and_proof_and_the_earlier_public_subjects(app):
    """The notice exempts from *that year's* (当年) continuing education only: the public-subject
    certificates of 2014–2018 are still owed; the 2019 specialty and public ones are not."""
    app["sections"]["continuing_education"] = {"exempt": True, "exemption_category": "fanghuiju"}
    assert kinds(app, "continuing_education") == {"exemption_form": 1, "exemption_proof": 1,
                                                  "public_certificate": 1}
    label = next(r.label_zh for r in required_attachments(app, SEASON)
                 if r.kind == "public_certificate")
    assert label.startswith("2014年—2018年")


def test_r3_3_three_assessment_forms(app):
    assert kinds(app, "assessments") == {"assessment_form": 3}


def test_r3_3_section_10_annex_1_but_not_the_publicity_result_the_system_runs(app):
    """R-3.3 #10: 附件1 always; 《公示结果》 is not asked of the applicant, since the unit
    publicity (R-4.2) runs in the system (its record and the rendered result stand in)."""
    assert kinds(app, "other") == {"authenticity_guarantee": 1}
    assert is_known_kind("other", "publicity_result")  # still uploadable, counts toward nothing


def test_r3_5_aid_staff_add_dispatching_unit_approval(app):
    app["category"] = "aid_staff"
    assert "dispatching_approval" in kinds(app, "other")


def test_r1_3_entrusted_add_entrustment_letter(app):
    app["category"] = "entrusted"
    assert "entrustment_letter" in kinds(app, "other")


def test_all_accepted_means_no_problem(app):
    assert attachment_problems(app, uploads(app), SEASON) == []


def test_missing_rejected_and_pending_are_told_apart(app):
    records = [r for r in uploads(app) if r["kind"] not in ("photo", "id_card", "diploma")]
    records += [{"section": "basic", "kind": "id_card", "status": "rejected"},
                {"section": "education", "kind": "diploma", "status": "pending"}]
    problems = attachment_problems(app, records, SEASON)
    assert {(p.code, p.field) for p in problems} == {
        ("ATTACHMENT_MISSING", "attachments.basic.photo"),
        ("ATTACHMENT_REJECTED", "attachments.basic.id_card"),
        ("ATTACHMENT_PENDING", "attachments.education.diploma")}


def test_a_replacement_for_a_rejected_upload_satisfies_the_requirement(app):
    records = uploads(app) + [{"section": "basic", "kind": "photo", "status": "rejected"}]
    assert attachment_problems(app, records, SEASON) == []


def test_missing_counts_the_copies_still_needed(app):
    records = [r for r in uploads(app) if r["kind"] != "assessment_form"]
    records.append({"section": "assessments", "kind": "assessment_form", "status": "accepted"})
    [problem] = attachment_problems(app, records, SEASON)
    assert problem.code == "ATTACHMENT_MISSING" and "还缺2份" in problem.message


def test_unknown_status_is_a_bug_not_a_pass(app):
    with pytest.raises(ValueError):
        attachment_problems(app, [{"section": "basic", "kind": "photo", "status": "ok"}], SEASON)


def test_a_flagged_attachment_counts_as_accepted(app):
    """contracts.events ATTACHMENT_CHECKED: flagged is accepted for the applicant."""
    records = [dict(r, status="flagged") if r["kind"] == "photo" else r for r in uploads(app)]
    assert attachment_problems(app, records, SEASON) == []


def test_every_required_kind_is_a_known_kind(app):
    from intake.rules.attachments import is_known_kind
    app["category"] = "aid_staff"
    app["sections"]["continuing_education"]["exempt"] = True
    app["sections"]["qualification"]["obtained_in_xinjiang"] = False
    for req in required_attachments(app, SEASON):
        assert is_known_kind(req.section, req.kind), req


def test_uploads_go_to_one_of_the_ten_sections_under_a_plain_kind_name():
    from intake.rules.attachments import is_acceptable_kind
    assert is_acceptable_kind("basic", "photo") and is_acceptable_kind("other", "award")
    assert not is_acceptable_kind("x", "photo")
    assert not is_acceptable_kind("basic", "../photo") and not is_acceptable_kind("basic", "P")
