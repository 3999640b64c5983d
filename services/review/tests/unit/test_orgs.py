"""Reading the organisations/committees file (R-1.2, R-4.3, R-4.1 reviewers, N-8.1 composition)
in YAML, CSV and XLSX; validation lists every error at once."""
import io
from pathlib import Path

import yaml
from openpyxl import Workbook

from review.orgs import load, parse_csv, parse_tables, parse_xlsx, parse_yaml

SAMPLE = Path(__file__).parents[4] / "deploy" / "sample" / "organisations.yaml"


def members(n, prefix="E"):
    return [{"id": f"{prefix}{i}", "name": f"专家{i}"} for i in range(n)]


def committee(cid="c1", n=11, scope="specialty", **kw):
    return {"id": cid, "name": f"委员会{cid}", "series": "engineering", "specialties": ["textile"],
            "levels": ["engineer"], "conditions_document": f"doc-{cid}", "scope": scope,
            "term_start": "2018-01-01", "term_end": "2020-12-31", "members": members(n), **kw}


ROOT = {"id": "root", "name": "工信厅", "kind": "root"}
REVIEWER = [{"person_id": "P1", "name": "审核人", "email": "a@example.org"}]


def unit(uid, parent, kind="unit"):
    return {"id": uid, "name": uid, "kind": kind, "parent_id": parent, "reviewers": REVIEWER}


def problems_of(doc):
    return parse_yaml(yaml.safe_dump(doc, allow_unicode=True))[1]


def codes(doc):
    return sorted(p.code for p in problems_of(doc))


def test_sample_has_a_root_three_departments_four_units_and_nine_valid_committees():
    registry, problems = load(SAMPLE)
    assert problems == []
    kinds = [o.kind for o in registry.organisations]
    assert (kinds.count("root"), kinds.count("department"), kinds.count("unit")) == (1, 3, 4)
    assert all(o.reviewers and "@" in o.reviewers[0].email
               for o in registry.organisations if o.kind == "unit")
    assert len(registry.committees) == 9
    assert all(len(c.members) % 2 for c in registry.committees)


def test_valid_minimal_file_has_no_problems():
    assert problems_of({"organisations": [ROOT, unit("u1", "root")],
                        "committees": [committee()]}) == []


def test_unknown_parent_duplicate_id_and_cycle_are_all_reported_together():
    doc = {"organisations": [ROOT, unit("u1", "ghost"), unit("u2", "root"), unit("u2", "root"),
                             unit("d1", "d2", "department"), unit("d2", "d1", "department")],
           "committees": []}
    assert codes(doc) == ["ORG_CYCLE", "ORG_DUPLICATE_ID", "ORG_PARENT_UNKNOWN"]


def test_unit_cannot_supervise_and_root_must_be_single():
    doc = {"organisations": [unit("u1", None, "unit"), unit("u2", "u1")], "committees": []}
    assert codes(doc) == ["ORG_PARENT_IS_UNIT", "ORG_PARENT_MISSING", "ORG_ROOT_COUNT"]


def test_r4_1_unit_without_a_reviewer_and_bad_email_are_reported():
    none = {**unit("u1", "root"), "reviewers": []}
    bad = {**unit("u2", "root"), "reviewers": [{"person_id": "P", "name": "某", "email": "nope"}]}
    found = {(p.code, p.field) for p in problems_of({"organisations": [ROOT, none, bad]})}
    assert found == {("ORG_NO_REVIEWER", "organisations.u1.reviewers"),
                     ("REVIEWER_EMAIL_INVALID", "reviewers.0.email")}


def test_n8_1_committee_composition_is_validated_per_committee():
    doc = {"organisations": [ROOT],
           "committees": [committee("c1", 12), committee("c2", 23, "series", specialties=[])]}
    found = {(p.code, p.field) for p in problems_of(doc)}
    assert found == {("COMMITTEE_SIZE_EVEN", "committees.c1.members"),
                     ("COMMITTEE_TOO_SMALL", "committees.c2.members")}


def test_n8_1_a_committee_covering_a_whole_series_needs_25_whatever_its_label_says():
    # N-8.1: ≥ 25 for a series; no specialty named = the whole series. Labelled "specialty"
    # with 11 members it was accepted before; now the label is wrong and the size too small.
    doc = {"organisations": [ROOT],
           "committees": [committee("arts", 11, "specialty", series="arts_crafts",
                                    specialties=[])]}
    found = {(p.code, p.field) for p in problems_of(doc)}
    assert found == {("COMMITTEE_SCOPE_MISMATCH", "committees.arts.scope"),
                     ("COMMITTEE_TOO_SMALL", "committees.arts.members")}
    ok = {"organisations": [ROOT],
          "committees": [committee("arts", 25, "series", series="arts_crafts", specialties=[])]}
    assert problems_of(ok) == []
    # a specialty committee labelled "series" is refused too (the label must say what it covers)
    assert codes({"organisations": [ROOT], "committees": [committee("c", 25, "series")]}) == [
        "COMMITTEE_SCOPE_MISMATCH"]


def test_n8_1_every_expert_has_a_term_of_at_most_three_years():
    c = committee("c1", 11, term_start="", term_end="")
    c["members"][0] |= {"term_start": "2018-01-01", "term_end": "2020-12-31"}  # own term: ok
    c["members"][1] |= {"term_start": "2018-01-01", "term_end": "2021-01-01"}  # 3 years + 1 day
    c["members"][2] |= {"term_start": "2019-01-01", "term_end": "2018-12-31"}  # ends before
    c["members"][3] |= {"term_start": "2019-02-30", "term_end": "2020-01-01"}  # not a date
    found = {(p.code, p.field) for p in problems_of({"organisations": [ROOT], "committees": [c]})}
    assert ("EXPERT_TERM_TOO_LONG", "committees.c1.members.E1.term") in found
    assert ("EXPERT_TERM_INVALID", "committees.c1.members.E2.term") in found
    assert ("EXPERT_TERM_INVALID", "members.3.term_start") in found
    missing = {f for code, f in found if code == "EXPERT_TERM_MISSING"}
    assert missing == {f"committees.c1.members.E{i}.term" for i in range(3, 11)}
    assert not any(f.endswith("E0.term") for _, f in found)


def test_d4_an_organisations_contact_is_read_nested_or_flat():
    nested = {**unit("u1", "root"), "contact": {"person": "石磊", "phone": "0991-1",
                                                "address": "示例路1号"}}
    flat = {**unit("u2", "root"), "contact_person": "顾晨", "address": "示例路3号"}
    registry, problems = parse_yaml(yaml.safe_dump(
        {"organisations": [ROOT, nested, flat, unit("u3", "root")], "committees": []},
        allow_unicode=True))
    assert problems == []
    assert registry.tree["u1"].contact == {"person": "石磊", "phone": "0991-1",
                                           "address": "示例路1号"}
    assert registry.tree["u2"].contact == {"person": "顾晨", "address": "示例路3号"}
    assert registry.tree["u3"].contact == {}


def test_r1_2_two_committees_for_one_specialty_level_or_one_document_are_reported():
    doc = {"organisations": [ROOT],
           "committees": [committee("c1"), committee("c2", conditions_document="doc-c1")]}
    assert codes(doc) == ["COMMITTEE_DOCUMENT_SHARED", "COMMITTEE_OVERLAP"]


def test_missing_fields_and_bad_kind_are_reported_with_their_row():
    doc = {"organisations": [ROOT, {"id": "x", "kind": "agency", "parent_id": "root"}]}
    found = {(p.code, p.field) for p in problems_of(doc)}
    assert ("FILE_FIELD_MISSING", "organisations.1.name") in found
    assert ("ORG_KIND_INVALID", "organisations.1.kind") in found


TABLES = {
    "organisations": [["id", "name", "kind", "parent_id", "outside_region"],
                      ["root", "工信厅", "root", "", ""], ["u1", "派出单位", "unit", "root", "是"]],
    "reviewers": [["organisation_id", "person_id", "name", "email", "phone"],
                  ["u1", "P1", "审核人", "a@example.org", 13900000000]],
    "committees": [["id", "name", "series", "specialties", "levels", "conditions_document", "scope"],
                   ["c1", "商业物资", "economics", "commercial_economics、materials_economics",
                    "senior_economist", "doc", "specialty"]],
    "members": [["committee_id", "expert_id", "name", "unit_id", "term_start", "term_end"]]
               + [["c1", f"E{i}", f"专家{i}", "u1" if i == 0 else "", "2019-01-01", "2021-06-30"]
                  for i in range(11)],
}


def check_flat(registry, problems):
    assert problems == []
    u1 = registry.tree["u1"]
    assert u1.outside_region and u1.reviewers[0].phone == "13900000000"
    c1 = registry.committees[0]
    assert c1.specialties == ("commercial_economics", "materials_economics")
    assert len(c1.members) == 11 and c1.members[0].unit_id == "u1" and c1.members[1].unit_id is None


def test_xlsx_one_sheet_per_table_reads_like_yaml():
    book = Workbook()
    book.remove(book.active)
    for name, rows in TABLES.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    check_flat(*parse_xlsx(buf.getvalue()))


def to_csv(rows):
    return "\n".join(",".join(str(v) for v in r) for r in rows) + "\n"


def test_csv_one_file_per_table_reads_like_yaml():
    check_flat(*parse_csv({name: to_csv(rows) for name, rows in TABLES.items()}))


def test_csv_directory_in_gb18030_as_excel_saves_it(tmp_path):
    for name, rows in TABLES.items():
        (tmp_path / f"{name}.csv").write_bytes(to_csv(rows).encode("gb18030"))
    check_flat(*load(tmp_path))


def test_reviewer_or_member_pointing_nowhere_is_reported():
    tables = {"organisations": [ROOT], "reviewers": [{"organisation_id": "zz", "person_id": "P",
                                                      "name": "某", "email": "a@b.c"}],
              "members": [{"committee_id": "cc", "expert_id": "E", "name": "某"}]}
    assert sorted(p.code for p in parse_tables(tables)[1]) == [
        "MEMBER_COMMITTEE_UNKNOWN", "REVIEWER_ORG_UNKNOWN"]
