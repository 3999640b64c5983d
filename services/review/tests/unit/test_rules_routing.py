"""R-4.3 level-by-level routing, R-1.3/R-3.5 who reviews first, R-1.2 committee choice."""
from pathlib import Path

import pytest

from contracts.errors import Refusal
from review.orgs import Organisation, load
from review.rules.routing import committee_for, route_for

SAMPLE = Path(__file__).parents[4] / "deploy" / "sample" / "organisations.yaml"
REGISTRY, PROBLEMS = load(SAMPLE)
TREE = REGISTRY.tree


def ids(route):
    return [s.id for s in route]


def test_sample_file_is_valid():
    assert PROBLEMS == []


def test_r4_3_route_climbs_every_department_then_the_committee():
    route = route_for(TREE, "unit-changji-textile", "local", "eng_textile")
    assert ids(route) == ["unit-changji-textile", "dept-changji-city", "dept-changji", "eng_textile"]
    assert [s.kind for s in route] == ["unit", "department", "department", "committee"]


def test_r4_3_region_level_unit_goes_straight_to_the_committee():
    assert ids(route_for(TREE, "unit-region-chemdesign", "local", "eng_chemical")) == [
        "unit-region-chemdesign", "eng_chemical"]


def test_r3_5_aid_staff_are_reviewed_by_the_dispatching_unit():
    assert ids(route_for(TREE, "unit-jiangsu-dispatch", "aid", "eng_mechanical_electronic")) == [
        "unit-jiangsu-dispatch", "eng_mechanical_electronic"]


def test_r3_5_aid_staff_cannot_be_routed_through_a_local_unit_nor_locals_through_a_dispatcher():
    for unit, category in [("unit-changji-textile", "aid"), ("unit-jiangsu-dispatch", "local")]:
        with pytest.raises(Refusal) as e:
            route_for(TREE, unit, category, "eng_textile")
        assert e.value.code == "ROUTE_UNIT_CATEGORY_MISMATCH"


def test_r1_3_entrusted_applicant_starts_at_the_entrusting_department():
    tree = dict(TREE, **{"hr-ministry": Organisation("hr-ministry", "某部人事司", "department",
                                                     "xj-iit", outside_region=True)})
    assert ids(route_for(tree, "hr-ministry", "entrusted", "eng_steel")) == ["hr-ministry", "eng_steel"]


def test_r4_3_unknown_unit_is_refused():
    with pytest.raises(Refusal) as e:
        route_for(TREE, "nope", "local", "eng_textile")
    assert e.value.code == "ROUTE_UNIT_UNKNOWN"


def test_r4_3_broken_parent_chain_is_refused_not_looped():
    tree = {"u": Organisation("u", "单位", "unit", "d"), "d": Organisation("d", "部门", "department", "u")}
    with pytest.raises(Refusal) as e:
        route_for(tree, "u", "local", "c")
    assert e.value.code == "ROUTE_TREE_BROKEN"


def test_r1_2_committee_chosen_by_series_specialty_and_level():
    c = committee_for(REGISTRY.committees, "economics", "materials_economics", "senior_economist")
    assert c.id == "econ_commercial_materials"
    arts = committee_for(REGISTRY.committees, "arts_crafts", None, "arts_crafts_artist")
    assert arts.id == "arts_crafts"


def test_r1_2_specialty_or_level_without_a_committee_is_refused():
    for series, spec, level in [("engineering", "mining", "engineer"),
                                ("economics", "industrial_economics", "economist")]:
        with pytest.raises(Refusal) as e:
            committee_for(REGISTRY.committees, series, spec, level)
        assert e.value.code == "COMMITTEE_NOT_FOUND"


def test_r1_2_two_committees_for_one_specialty_is_refused_as_ambiguous():
    twice = REGISTRY.committees + [REGISTRY.committees[0]]
    with pytest.raises(Refusal) as e:
        committee_for(twice, "engineering", "mechanical_electronic", "engineer")
    assert e.value.code == "COMMITTEE_AMBIGUOUS"
