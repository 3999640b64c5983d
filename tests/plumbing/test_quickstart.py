"""`make run` as a newcomer meets it (issue 13), without infrastructure: the demo season, the
settings run-local gives the services, the drill clock command, the tokens per role."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import jwt
import pytest
import yaml

from contracts.errors import Refusal
from contracts.season import load_season
from plumbing import clock
from plumbing.config import ROOT
from plumbing.demo_season import DEMO_ID, calendar_years_to_load, demo_season
from plumbing.local import local_settings, public_base
from plumbing.quickstart import ROLES


@pytest.mark.parametrize("today", [date(2026, 12, 1), date(2027, 1, 1), date(2028, 2, 29),
                                   date(2031, 12, 31)])
def test_the_demo_season_is_valid_open_today_and_marked(today):
    text = yaml.safe_dump(demo_season(today), allow_unicode=True, sort_keys=False)
    season = load_season(text)
    original = load_season(ROOT / "seasons" / "2019.yaml")
    assert season.id == DEMO_ID == "演示"  # printed on every page: watermark and footer
    assert season.application_window.contains(today)
    # the unit and departments review while the demo's window is open (make run's
    # walkthrough moves the drill clock past a 5-working-day publicity, still inside it)
    assert season.review_window == season.application_window
    assert season.review_window.contains(today + timedelta(days=14))
    assert season.paper_delivery_window.start > season.application_window.end
    assert "演示" in season.title_zh and "演示" in season.notice_no
    assert all(c.name_zh.startswith("【演示】") for c in season.committees)
    shift = today.year - 2019
    assert season.assessment_years.first == original.assessment_years.first + shift
    assert season.seniority_cut_off.year == today.year
    # the same catalogue, limits and committees as the notice's
    assert [c.id for c in season.committees] == [c.id for c in original.committees]
    assert (season.submission_cap, season.publicity_working_days) == (
        original.submission_cap, original.publicity_working_days)


def test_demo_holidays_are_assumed_only_for_years_the_calendar_package_does_not_know():
    import chinese_calendar

    known = max(y for y in range(2004, 2100) if _known(chinese_calendar, y))
    assert calendar_years_to_load(date(known, 1, 1), date(known, 3, 1)) == {
        f"{known + 1}-01-01": False}
    assert calendar_years_to_load(date(known - 3, 1, 1), date(known - 3, 3, 1)) == {}


def _known(package, year):
    try:
        package.is_workday(date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


def test_local_addresses_follow_the_api_and_s3_addresses_unless_set(tmp_path):
    s = local_settings({"WEB_SERVER_ADDRESS": "127.0.0.1:8010", "LOCAL_S3_PORT": "9100"}, tmp_path)
    assert s["VERIFY_URL_BASE"] == "http://127.0.0.1:8010/verify"  # QR codes follow the API
    assert s["S3_ENDPOINT"] == s["S3_PUBLIC_ENDPOINT"] == "127.0.0.1:9100"
    assert s["DRILL"] == "true" and s["CLOCK_OFFSET_FILE"] == str(tmp_path / "clock-offset")
    assert s["SMS_RATE_LIMITS"] == "none"  # the log backend: no provider flow control
    s = local_settings({"S3_ENDPOINT": "minio:9000"}, tmp_path)
    assert s["VERIFY_URL_BASE"] == "http://localhost:8000/verify"
    assert s["S3_PUBLIC_ENDPOINT"] == "minio:9000" and "S3_ACCESS_KEY" not in s
    s = local_settings({"VERIFY_URL_BASE": "https://zc.example/verify", "SMS_BACKEND": "aliyun",
                        "S3_PUBLIC_ENDPOINT": "files.example:443"}, tmp_path)
    assert s["VERIFY_URL_BASE"] == "https://zc.example/verify"
    assert s["S3_PUBLIC_ENDPOINT"] == "files.example:443" and "SMS_RATE_LIMITS" not in s
    assert public_base("0.0.0.0:8000") == "http://localhost:8000"
    assert public_base("[::1]:8000") == "http://[::1]:8000"


def test_durations_of_the_clock_command():
    assert clock.parse_duration("5d") == timedelta(days=5)
    assert clock.parse_duration("1d12h") == timedelta(hours=36)
    assert clock.parse_duration("90m") == timedelta(minutes=90)
    for bad in ("", "5", "5x", "-1d", "d5", "5d 2h"):
        with pytest.raises(Refusal) as refused:
            clock.parse_duration(bad)
        assert refused.value.code == "CLOCK_DURATION_INVALID"


def _titles(env: dict, *args) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("DRILL", "CLOCK_OFFSET_FILE")}
    full.update(env, TITLES_VAR_DIR=env.get("TITLES_VAR_DIR", "/nonexistent-titles-var"))
    return subprocess.run([str(Path(sys.executable).parent / "titles"), *args], env=full,
                          capture_output=True, text=True, timeout=60)


def test_the_clock_moves_only_in_a_drill(tmp_path):
    offset_file = tmp_path / "clock-offset"
    refused = _titles({"CLOCK_OFFSET_FILE": str(offset_file)}, "clock", "advance", "5d")
    assert refused.returncode == 2
    assert json.loads(refused.stderr[refused.stderr.index("{"):])["code"] == "CLOCK_NOT_A_DRILL"
    assert not offset_file.exists()  # nothing changed

    drill = {"DRILL": "true", "CLOCK_OFFSET_FILE": str(offset_file)}
    moved = _titles(drill, "clock", "advance", "5d")
    assert moved.returncode == 0, moved.stderr
    assert json.loads(moved.stdout)["offset_seconds"] == 5 * 86400
    assert clock.offset_from(str(offset_file)) == timedelta(days=5)  # what services read
    assert json.loads(_titles(drill, "clock", "advance", "12h").stdout)["offset"] == "+5d12h"
    assert json.loads(_titles(drill, "clock", "show").stdout)["offset_seconds"] == 5.5 * 86400
    assert json.loads(_titles(drill, "clock", "reset").stdout)["offset"] == "real time"
    assert clock.offset_from(str(offset_file)) == timedelta(0)


def test_the_clock_command_finds_the_running_local_deployment(tmp_path):
    """In another terminal nothing names the clock file: run-local's record does."""
    (tmp_path / "run-local.json").write_text(json.dumps({
        "DRILL": "true", "CLOCK_OFFSET_FILE": str(tmp_path / "clock-offset")}))
    moved = _titles({"TITLES_VAR_DIR": str(tmp_path)}, "clock", "advance", "2d")
    assert moved.returncode == 0, moved.stderr
    assert clock.offset_from(str(tmp_path / "clock-offset")) == timedelta(days=2)


def test_titles_token_warns_nothing_and_carries_the_phone():
    done = _titles({}, "token", "--role", "applicant", "--sub", "p1", "--name", "张三",
                   "--phone", "13800138000")
    assert done.returncode == 0 and done.stderr == ""
    claims = jwt.decode(done.stdout.strip(), options={"verify_signature": False})
    assert claims["phone"] == "13800138000" and claims["name"] == "张三"
    from plumbing import config as cfg

    assert len(cfg.load("intake")["JWT_KEY"].encode()) >= 32  # HS256: PyJWT warns below 32


def test_one_token_per_role_of_the_rules():
    rules = (ROOT / "docs" / "rules.md").read_text("utf-8")
    section = rules[rules.index("## §9"):rules.index("## Readings")]
    roles_in_rules = {line.split("|")[2].strip(" `") for line in section.splitlines()
                      if line.startswith("| ") and line.split("|")[2].strip().startswith("`")
                      and "token" not in line.split("|")[2]}
    assert {r.role for r in ROLES} == roles_in_rules
    assert all(r.may for r in ROLES)
    orgs = yaml.safe_load((ROOT / "deploy" / "sample" / "organisations.yaml").read_text("utf-8"))
    known = {o["id"] for o in orgs["organisations"]} | {c["id"] for c in orgs["committees"]}
    assert all(r.org in known for r in ROLES if r.org)


def test_the_demo_asks_for_make_run_first():
    done = _titles({}, "demo")
    assert done.returncode == 2
    assert json.loads(done.stderr[done.stderr.index("{"):])["code"] == "DEMO_NOT_RUNNING"


def test_the_demo_reads_mail_and_sms_back_from_the_log_backends(tmp_path):
    from plumbing.cli.demo import sent_messages

    log = tmp_path / "notify.log"
    log.write_text(
        "2026-12-01 01:30:38,408 INFO notify.channels sms to 138****3170: 张三您好，已收到4AC46AFA。\n"
        "2026-12-01 01:30:38,409 INFO notify.delivery send 64 (received) via sms: sent OK\n"
        "2026-12-01 01:30:38,417 INFO notify.channels email to h***@example.org: [申报 4AC46AFA] 石磊：\n"
        "\n请登录平台审核。\n"
        "2026-12-01 01:30:39,000 INFO nameko.web.server GET /x 200\n", encoding="utf-8")
    assert list(sent_messages(log)) == [
        ("sms", "138****3170", "张三您好，已收到4AC46AFA。"),
        ("email", "h***@example.org", "[申报 4AC46AFA] 石磊：\n\n请登录平台审核。")]


def test_the_demo_committees_are_in_term_today_so_a_demo_meeting_can_be_held(tmp_path,
                                                                             monkeypatch):
    """N-8.1: experts' terms are checked at a meeting's date; the sample file's terms (2018–2020)
    would refuse today's demo meeting, so the demo loads them shifted around today."""
    from datetime import date

    from plumbing import quickstart
    from review import orgs

    monkeypatch.setattr(quickstart, "VAR", tmp_path)
    today = date.today()
    registry, problems = orgs.load(quickstart.demo_organisations(today))
    assert problems == []
    assert all(e.term_start <= today <= e.term_end
               for c in registry.committees for e in c.members)
