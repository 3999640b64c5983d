"""R-3.2 fraud signal, through the intake API: the same JPEG uploaded by two applicants.

The second applicant's attachment shows `flagged` with a reason naming the first application
(`duplicate_of`), which is what the committee sees in the application view; the first stays
accepted; the same applicant uploading the same picture again is not flagged.
"""
from __future__ import annotations

import pytest

from plumbing.config import ROOT
from tests.support import applications
from tests.support.images import scan_jpeg

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def loaded(system):
    system.titles("load-season", str(ROOT / "seasons" / "2019.yaml"))
    return system


def checked(api, token, app_id: str, count: int) -> list[dict]:
    body = api.wait_for(f"/applications/{app_id}", token, lambda b: len(b["attachments"]) == count
                        and all(a["status"] != "checking" for a in b["attachments"]), timeout=60)
    return body["attachments"]


def test_same_jpeg_from_two_applicants_flags_the_second_naming_the_first(loaded):
    api = loaded.api
    picture = scan_jpeg()  # one diploma scan, uploaded by two different people
    first = api.token("applicant-dup-1", org=applications.UNIT, name="王一")
    second = api.token("applicant-dup-2", org=applications.UNIT, name="李二")

    app1 = applications.create(api, first)
    applications.upload(api, first, app1["id"], "education", "diploma", picture)
    (original,) = checked(api, first, app1["id"], 1)
    assert original["status"] == "accepted", original

    app2 = applications.create(api, second)
    applications.upload(api, second, app2["id"], "education", "diploma", picture)
    (copy,) = checked(api, second, app2["id"], 1)
    assert copy["status"] == "flagged", copy
    (reason,) = copy["reasons"]
    assert reason["code"] == "DUPLICATE_ACROSS_APPLICANTS"
    assert reason["duplicate_of"]["application_id"] == app1["id"]
    assert reason["duplicate_of"]["attachment_id"] == original["id"]
    assert app1["id"][:8].upper() in reason["message"]  # 编号 as printed on the 评审表

    # the first applicant's attachment is untouched
    (still,) = checked(api, first, app1["id"], 1)
    assert still["status"] == "accepted" and still["reasons"] == []


def test_the_same_applicant_uploading_a_picture_again_is_not_flagged(loaded):
    api = loaded.api
    me = api.token("applicant-dup-3", org=applications.UNIT)
    picture = scan_jpeg()
    app = applications.create(api, me)
    applications.upload(api, me, app["id"], "education", "diploma", picture)
    applications.upload(api, me, app["id"], "education", "degree_certificate", picture)
    assert [a["status"] for a in checked(api, me, app["id"], 2)] == ["accepted", "accepted"]
