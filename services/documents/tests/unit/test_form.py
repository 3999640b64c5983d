"""From the frozen submission to the printed 评审表's data (documents.form)."""
from contracts.season import load_season
from documents.form import form_from_snapshot, season_labels
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
