"""review's administration as units: the audit chain (R-4.1), sanctions (R-1.5), organisation
files in three formats, and the lists for spreadsheets (D-4)."""
from sqlalchemy import update

from plumbing.config import ROOT
from review import models as m
from services.review.tests.unit.support import (ADMIN, OPINION, SEC, UNIT, outbox, refused,
                                                submit, to_committee, who)


def test_audit_chain_records_every_decision_and_detects_an_edit(service, clock):
    """R-4.1: who, when, what, why, each entry chained to the one before."""
    submit(service)
    to_committee(service, clock)
    entries = service.audit_log()
    assert [e["entry"]["action"] for e in entries][-3:] == ["publicity_opened", "recommended",
                                                            "forwarded"]
    assert entries[-2]["entry"]["reason"] == OPINION
    assert service.verify_audit()["problems"] == []
    with service.db.transaction() as tx:
        edited = {**entries[-2]["entry"], "actor": "someone-else"}
        tx.session.execute(update(m.audit).where(m.audit.c.seq == entries[-2]["seq"])
                           .values(entry=edited))
    problems = service.verify_audit()["problems"]
    assert [p["code"] for p in problems] == ["AUDIT_CHAIN_BROKEN"]
    assert problems[0]["field"] == f"entries.{len(entries) - 2}"


def test_sanction_bars_person_five_years_and_only_an_admin_imposes_it(service, clock):
    """R-1.5: from the day imposed to its last barred day, both included; the person from the
    corresponding title (相应职称): the application's series and level."""
    submit(service)
    assert refused(service.impose_sanction(SEC, "person", "伪造证书", "a-1"))["code"] == "FORBIDDEN"
    done = service.impose_sanction(who("admin", None, "A-1"), "person", "伪造证书", "a-1")
    assert (done["subject_id"], done["starts_on"], done["last_barred_on"]) == (
        "p-a-1", "2019-10-15", "2024-10-14")
    assert (done["series"], done["level"]) == ("engineering", "senior_engineer")
    assert done["period_zh"] == "2019年10月15日至2024年10月14日（含）不得申报，2024年10月15日起可以申报"
    sent = [p for t, p in outbox(service) if t == "sanction_imposed"]
    assert len(sent) == 1 and sent[0]["applicant_id"] == "p-a-1" and sent[0]["unit_id"] == UNIT
    assert (sent[0]["starts_on"], sent[0]["last_barred_on"]) == ("2019-10-15", "2024-10-14")
    assert (sent[0]["series"], sent[0]["level"], sent[0]["person_key"]) == (
        "engineering", "senior_engineer", None)
    assert service.audit_log()[-1]["entry"]["action"] == "sanction_imposed"
    assert service.export_list("sanctions")[0]["last_barred_on"] == "2024-10-14"


def test_r1_5_a_sanction_decided_in_an_earlier_year_bars_from_its_own_date(service):
    """R-1.5 五年内: counted from the decision's date, which may be in the past; a unit's bar
    (三年内取消参评资格) has no title scope."""
    done = service.impose_sanction(ADMIN, "unit", "营私舞弊", subject_id="unit-x",
                                   decided_on="2017-03-01")
    assert (done["starts_on"], done["last_barred_on"], done["series"]) == (
        "2017-03-01", "2020-02-29", None)


def test_r1_5_a_sanction_cannot_be_dated_in_the_future_nor_a_unit_scoped(service):
    r = refused(service.impose_sanction(ADMIN, "unit", "营私舞弊", subject_id="unit-x",
                                        decided_on="2019-10-16", series="engineering"))
    assert {p["code"] for p in r["problems"]} == {"SANCTION_DATE_IN_FUTURE",
                                                  "SANCTION_SCOPE_INVALID"}
    assert refused(service.impose_sanction(ADMIN, "unit", "x", subject_id="u",
                                           decided_on="15/10/2019"))["code"] == \
        "SANCTION_DATE_INVALID"
    assert [p for t, p in outbox(service) if t == "sanction_imposed"] == []


def test_r1_5_a_responsible_person_is_named_by_id_hash_with_the_title_barred(service):
    """R-1.5 直接责任人: no application of their own; intake sends the keyed hash of the ID
    number and the masked number, review keeps and forwards only those; the series is required,
    the level optional (every level of the series)."""
    r = refused(service.impose_sanction(ADMIN, "person", "出具虚假证明", person_key="k" * 64,
                                        id_number_masked="650102********0029"))
    assert r["code"] == "SANCTION_SCOPE_MISSING"
    r = refused(service.impose_sanction(ADMIN, "person", "出具虚假证明", series="medicine",
                                        person_key="k" * 64, id_number_masked="650102********0029"))
    assert (r["code"], r["field"]) == ("SANCTION_SCOPE_INVALID", "series")
    done = service.impose_sanction(ADMIN, "person", "出具虚假证明", series="engineering",
                                   person_key="k" * 64, id_number_masked="650102********0029")
    assert (done["subject_id"], done["series"], done["level"]) == (
        "id:650102********0029", "engineering", None)
    sent = [p for t, p in outbox(service) if t == "sanction_imposed"][-1]
    assert (sent["person_key"], sent["applicant_id"], sent["series"]) == (
        "k" * 64, None, "engineering")


def test_organisations_load_from_xlsx_and_csv_as_from_yaml(service):
    """The same registry from the three formats an administrator may have (review.orgs)."""
    import base64
    import csv
    import io

    import yaml
    from openpyxl import Workbook

    data = yaml.safe_load((ROOT / "deploy" / "sample" / "organisations.yaml").read_text("utf-8"))
    tables = {"organisations": [], "reviewers": [], "committees": [], "members": []}
    for o in data["organisations"]:
        tables["organisations"].append({k: o.get(k) for k in ("id", "name", "kind", "parent_id",
                                                              "outside_region")})
        tables["reviewers"] += [{**r, "organisation_id": o["id"]} for r in o.get("reviewers", [])]
    for c in data["committees"]:
        tables["committees"].append({**{k: c[k] for k in ("id", "name", "series",
                                                          "conditions_document", "scope",
                                                          "term_start", "term_end")},
                                     "specialties": "、".join(c["specialties"]),
                                     "levels": "、".join(c["levels"])})
        tables["members"] += [{"committee_id": c["id"], "expert_id": e["id"], "name": e["name"],
                               "unit_id": e.get("unit_id")} for e in c["members"]]
    book = Workbook()
    book.remove(book.active)
    texts = {}
    for name, rows in tables.items():
        cols = sorted({k for r in rows for k in r})
        sheet = book.create_sheet(name)
        sheet.append(cols)
        for r in rows:
            sheet.append([r.get(c) for c in cols])
        buf = io.StringIO()
        writer = csv.DictWriter(buf, cols)
        writer.writeheader()
        writer.writerows({c: ("" if r.get(c) is None else r.get(c)) for c in cols} for r in rows)
        texts[name] = buf.getvalue()
    raw = io.BytesIO()
    book.save(raw)
    expected = {"organisations": 8, "committees": 9}
    assert service.load_organisations(base64.b64encode(raw.getvalue()).decode(),
                                      "orgs.xlsx") == expected
    assert service.load_organisations(texts, "orgs") == expected
    submit(service, unit="unit-changji-textile")
    route = service.application(who("admin", None), "a-1")["route"]
    assert [s["id"] for s in route] == ["unit-changji-textile", "dept-changji-city",
                                        "dept-changji", "eng_textile"]


def test_lists_for_spreadsheets(service, clock):
    """D-4: flat rows per list kind; an unknown kind is refused."""
    submit(service)
    tasks = service.export_list("tasks", UNIT)
    assert [(t["step"], t["status"]) for t in tasks] == [("unit", "open")]
    assert service.export_list("results", "eng_textile") == []
    assert refused(service.export_list("ballots"))["code"] == "LIST_KIND_UNKNOWN"
