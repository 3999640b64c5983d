"""Field-by-field differences between versions, for reviewers of a revised application (R-4.4)."""
from intake.rules.versions import diff_versions


def test_identical_versions_have_no_difference():
    v = {"sections": {"basic": {"name": "张三"}, "education": {"degrees": [{"school": "新疆大学"}]}}}
    assert diff_versions(v, v) == []


def test_changed_leaf_is_reported_with_its_path():
    old = {"sections": {"basic": {"name": "张三", "phone": "13912345678"}}}
    new = {"sections": {"basic": {"name": "张三", "phone": "13812345678"}}}
    assert diff_versions(old, new) == [
        {"field": "sections.basic.phone", "before": "13912345678", "after": "13812345678"}]


def test_entries_are_compared_by_index_and_an_added_entry_is_reported_whole():
    old = {"degrees": [{"school": "新疆大学", "major": "纺织"}]}
    new = {"degrees": [{"school": "新疆大学", "major": "纺织工程"}, {"school": "东华大学"}]}
    assert diff_versions(old, new) == [
        {"field": "degrees.0.major", "before": "纺织", "after": "纺织工程"},
        {"field": "degrees.1", "before": None, "after": {"school": "东华大学"}}]


def test_removed_field_and_removed_entry_are_reported():
    old = {"a": 1, "list": ["x", "y"]}
    new = {"list": ["x"]}
    assert diff_versions(old, new) == [
        {"field": "list.1", "before": "y", "after": None},
        {"field": "a", "before": 1, "after": None}]


def test_wu_replacing_entries_is_one_change():
    old = {"entries": [{"title": "论文"}]}
    new = {"entries": ["无"]}
    assert diff_versions(old, new) == [
        {"field": "entries.0", "before": {"title": "论文"}, "after": "无"}]


def test_a_type_change_with_equal_value_is_still_a_change():
    assert diff_versions({"exempt": 1}, {"exempt": True}) == [
        {"field": "exempt", "before": 1, "after": True}]
