"""From the frozen submission to the printed 评审表's data (documents.form)."""
from contracts.season import load_season
from documents.form import (claims_exemption, exemption_data, form_from_snapshot, form_opinion,
                            guarantee_data, season_labels, with_opinions)
from plumbing.config import ROOT


def test_the_season_gives_the_chinese_names_the_form_prints():
    labels = season_labels(load_season(ROOT / "seasons" / "2019.yaml"))
    assert labels["engineering"] == "工程系列"
    assert labels["senior_engineer"] == "高级工程师"
    assert labels["mechanical_electronic"] == "机械电子"
    form = form_from_snapshot({"series": "engineering", "specialty": "mechanical_electronic",
                               "level": "senior_engineer", "sections": {}}, {"name": "张三"},
                              labels)
    assert form["application"] == {"series": "工程系列", "specialty": "机械电子",
                                   "level": "高级工程师", "exceptional": False}


def test_r3_1_nothing_reported_prints_none_and_the_id_number_is_masked():
    form = form_from_snapshot({"sections": {"basic": {"id_number": "650102198506150029"}}},
                              {"name": "张三"})
    assert form["basic"]["name"] == "张三"  # from the contact when the section has none
    assert form["basic"]["id_number_masked"] == "6501**********0029"
    assert form["basic"]["birth_place"] == "无" and form["opinions"] == []


# ---- opinions recorded online (STEP_DECIDED, R-4.1, R-4.2) -----------------------------------

R_4_2 = "本单位已对提供的申报材料逐一审核，真实准确，同意推荐"


def test_r4_2_the_units_opinion_is_printed_exactly_as_recorded_in_the_unit_box():
    printed = form_opinion("unit", "recommended", R_4_2,
                           {"person_id": "P-U01", "name": "刘红", "role": "unit_reviewer"},
                           "2019-10-28T03:00:00+00:00")
    assert printed == {"level": "unit", "org": "", "reviewer": "刘红", "date": "2019-10-28",
                       "text": R_4_2}


def test_r4_1_a_decision_without_words_prints_what_was_decided():
    dept = form_opinion("department", "forwarded", "", {"person_id": "P-D01"}, "2019-10-29")
    assert (dept["level"], dept["reviewer"], dept["text"]) == ("department", "P-D01",
                                                               "同意，逐级上报")
    committee = form_opinion("committee", "accepted", "", {"name": "王芳"}, "2019-11-02")
    assert committee["level"] == "committee" and committee["text"] == "形式审查：形式审查合格，予以受理"
    refused = form_opinion("committee", "refused", "不符合申报条件", None, "2019-11-02")
    assert refused["text"] == "形式审查：不符合申报条件" and refused["reviewer"] == ""


def test_with_opinions_leaves_the_form_itself_unchanged():
    form = form_from_snapshot({"sections": {}}, {"name": "张三"})
    printed = form_opinion("unit", "recommended", R_4_2, {"name": "刘红"}, "2019-10-28")
    both = with_opinions(form, [printed])
    assert both["opinions"] == [printed] and form["opinions"] == []
    assert {k: v for k, v in both.items() if k != "opinions"} == \
        {k: v for k, v in form.items() if k != "opinions"}


# ---- 附件1 and 附件2 (D-2, D-3, R-3.4) ----------------------------------------------------------


def test_d2_the_guarantee_names_the_applicant_and_the_application():
    form = form_from_snapshot({"level": "senior_engineer", "sections": {
        "basic": {"name": "张三", "sex": "男"}}}, {}, {"senior_engineer": "高级工程师"})
    data = guarantee_data(form)
    assert set(data) == {"basic", "application", "qualification"}
    assert data["basic"]["name"] == "张三" and data["application"]["level"] == "高级工程师"


def test_r3_4_only_a_claimed_exemption_gets_the_exemption_form_with_its_category_named():
    labels = season_labels(load_season(ROOT / "seasons" / "2019.yaml"))
    claimed = {"sections": {"continuing_education": {"exempt": True,
                                                     "exemption_category": "village_temple"}}}
    assert claims_exemption(claimed)
    assert not claims_exemption({"sections": {"continuing_education": {
        "exempt": False, "exemption_category": "无"}}})
    assert not claims_exemption({"sections": {}})
    data = exemption_data(form_from_snapshot(claimed, {"name": "张三"}, labels), "2019")
    assert data["exemption"]["category"] == "驻村管寺"
    assert data["exemption"]["period"] == "2019年度"
    assert data["basic"]["name"] == "张三"
