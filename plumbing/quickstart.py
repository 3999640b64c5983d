"""`titles run-local` (`make run`): bring everything up, load a live demo season, hand out tokens.

The order: the S3 stand-in, buckets, broker topology, migrations, the four services, then the
data — the 2019 season, the demo season open today (演示, plumbing/demo_season.py), the holiday
years the demo needs (R-2.3), the sample organisations — then var/run-local.json (what `titles
clock` and `titles demo` read) and one token per role of docs/rules.md §9.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from plumbing import config as cfg
from plumbing import demo_season
from plumbing.cli.dev import make_token
from plumbing.config import ROOT, SERVICES
from plumbing.local import RECORD, VAR, Cluster, _bin, local_settings, public_base

ORGS_FILE = ROOT / "deploy" / "sample" / "organisations.yaml"
SEASON_2019 = ROOT / "seasons" / "2019.yaml"
ZONE = ZoneInfo("Asia/Shanghai")
TOKEN_HOURS = 12


@dataclass(frozen=True)
class Role:
    """One person of the sample organisations per role (docs/rules.md §9), and what they may do."""
    role: str
    sub: str
    org: str | None
    name: str
    email: str = ""
    phone: str = ""
    may: str = ""


COMMITTEE = "eng_mechanical_electronic"  # 机械电子: the demo applicant's specialty
ROLES = (
    Role("applicant", "demo-applicant", "unit-urumqi-machinery", "张演示",
         "demo.applicant@example.org", "13800138000",
         "申报人：填写、上传、提交、补充材料、撤回；查看进度、版本和收到的通知"),
    Role("unit_reviewer", "P-U01", "unit-urumqi-machinery", "石磊", "hr.machinery@example.org", "",
         "单位审核人（乌鲁木齐示例机械）：开启/结束单位公示、处理异议、推荐或退回 (R-4.2)"),
    Role("department_reviewer", "P-D01", "dept-urumqi", "韩立新", "urumqi-iit@example.org", "",
         "主管部门（乌鲁木齐市工信局）：逐级上报或退回 (R-4.3)"),
    Role("committee_secretary", "S-JD", COMMITTEE, "评委会办公室（演示）", "", "",
         "评委会办公室（机械电子）：受理、退回、要求补充材料(48小时)、纸质材料、召开评审会、发布结果"),
    Role("expert", "E-JD-01", COMMITTEE, "王建国", "", "",
         "评审专家（机械电子评委会委员）：查看本委员会上会的申报，出席会议时投票 (N-8.3)"),
    Role("admin", "A-01", None, "管理员（演示）", "", "",
         "管理员：载入评审年度、组织机构和节假日，处罚，通知模板，审计记录，查看全部申报"),
)


def token_for(role: Role, key: str, audience: str, hours: float = TOKEN_HOURS) -> str:
    return make_token(key, audience, role.role, role.sub, role.org, hours, name=role.name,
                      email=role.email, phone=role.phone)


def load_data(cluster: Cluster, today) -> dict:
    """The 2019 season, the demo season for `today`, the calendar years it needs, the orgs."""
    cluster.titles("load-season", str(SEASON_2019))
    demo_file = demo_season.write_demo_season(today)
    cluster.titles("load-season", str(demo_file))
    season = demo_season.demo_season(today)
    app = season["windows"]["application"]
    years = demo_season.calendar_years_to_load(app["start"], season["windows"]["paper_delivery"]
                                               ["end"])
    if years:
        calendar = VAR / "demo-calendar.yaml"
        calendar.write_text("".join(f"'{d}': {str(w).lower()}\n" for d, w in years.items()))
        cluster.titles("load-calendar", str(calendar), service="review")
    cluster.titles("load-orgs", str(demo_organisations(today)), service="review")
    return {"season": demo_season.DEMO_ID, "window": [str(app["start"]), str(app["end"])],
            "calendar_years_assumed": sorted(d[:4] for d in years)}


def demo_organisations(today) -> Path:
    """The sample organisations with every committee's term (N-8.1: at most 3 years, checked at
    a meeting's date) around the demo season: 1 January last year to 31 December next year."""
    doc = yaml.safe_load(ORGS_FILE.read_text("utf-8"))
    for committee in doc["committees"]:
        committee["term_start"] = date(today.year - 1, 1, 1)
        committee["term_end"] = date(today.year + 1, 12, 31)
    path = VAR / "demo-organisations.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def banner(api: str, log_dir, loaded: dict, tokens: dict[str, str]) -> str:
    lines = [
        "",
        f"The four services are running (logs in {log_dir}).",
        f"  API:      {api}   (OpenAPI: {api}/openapi.json)",
        f"  Seasons:  2019 (as the notice fixed it, closed) and {loaded['season']} "
        f"(演示评审年度, open {loaded['window'][0]} … {loaded['window'][1]})",
        "  Sample organisations: deploy/sample/organisations.yaml (committees' terms around "
        "today: var/demo-organisations.yaml)",
    ]
    if loaded["calendar_years_assumed"]:
        lines.append(f"  Holidays of {', '.join(loaded['calendar_years_assumed'])} are not "
                     "published yet: counted Monday–Friday (titles load-calendar to correct)")
    lines += ["", f"One token per role ({TOKEN_HOURS} h; header `Authorization: Bearer <token>`):"]
    for role in ROLES:
        who = f"{role.sub}" + (f" @ {role.org}" if role.org else "")
        lines += [f"  {role.role}  ({who})", f"    {role.may}", f"    {tokens[role.role]}"]
    lines += ["",
              "Next: in another terminal, `.venv/bin/titles demo` walks one application of the "
              "demo season from draft to a posted result;",
              "      `.venv/bin/titles clock show|advance 5d|reset` moves this drill's clock.",
              "Stop with Ctrl-C."]
    return "\n".join(lines)


def main() -> int:
    # SIGTERM (a supervisor, `timeout`) stops the services like Ctrl-C does, through `finally`.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    var = VAR
    var.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    common = local_settings(env, var)
    moto = None
    if not env.get("S3_ENDPOINT"):
        port = common["S3_ENDPOINT"].rsplit(":", 1)[1]
        moto = subprocess.Popen([_bin("moto_server"), "-H", "127.0.0.1", "-p", port],
                                stdout=open(var / "s3.log", "a"), stderr=subprocess.STDOUT)
    per_service = {s: {"DATABASE_URL": env.get(f"{s.upper()}_DATABASE_URL",
                                               f"sqlite:///{var / (s + '.db')}")}
                   for s in SERVICES}
    cluster = Cluster(common, per_service, var / "log")
    RECORD.unlink(missing_ok=True)
    try:
        started = time.time()
        time.sleep(1)
        cluster.titles("buckets")
        cluster.titles("topology")
        cluster.migrate()
        cluster.start_all()
        cluster.wait_healthy(timeout=120)
        now = datetime.now(ZONE) + _offset(common["CLOCK_OFFSET_FILE"])
        loaded = load_data(cluster, now.date())
        intake = cfg.load("intake", {})
        key = env.get("JWT_KEY") or intake["JWT_KEY"]
        audience = env.get("JWT_AUDIENCE") or intake["JWT_AUDIENCE"]
        api = public_base(common["WEB_SERVER_ADDRESS"])
        RECORD.write_text(json.dumps({
            "pid": os.getpid(), "api": api, "var": str(var), "log_dir": str(cluster.log_dir),
            "DRILL": common["DRILL"], "CLOCK_OFFSET_FILE": common["CLOCK_OFFSET_FILE"],
            "JWT_KEY": key, "JWT_AUDIENCE": audience, "AMQP_URI": common["AMQP_URI"],
            "season": loaded["season"],
            "s3": {k: common[k] if k in common else intake.get(k) for k in (
                "S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_SECURE", "S3_REGION",
                "DOCUMENTS_BUCKET")},
        }, ensure_ascii=False, indent=2), encoding="utf-8")
        os.chmod(RECORD, 0o600)  # it holds the dev signing key
        tokens = {r.role: token_for(r, key, audience) for r in ROLES}
        print(banner(api, cluster.log_dir, loaded, tokens), flush=True)
        print(f"Ready in {time.time() - started:.0f} s.", flush=True)
        while all(p.poll() is None for p in cluster.procs.values()):
            time.sleep(1)
        print("a service exited; stopping", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except subprocess.CalledProcessError as exc:
        print(f"{' '.join(exc.cmd)} failed:\n{exc.stdout}\n{exc.stderr}", file=sys.stderr)
        return 1
    finally:
        # A second SIGTERM (make forwards one to its children besides the process group's own)
        # must not cut the cleanup short and leave a service running.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        RECORD.unlink(missing_ok=True)
        cluster.stop_all()
        if moto:
            moto.terminate()


def _offset(path: str) -> timedelta:
    from plumbing.clock import offset_from

    return offset_from(path)
