"""The compose deployment on a real Docker engine (issue: live deployment).

The repository's docker-compose.yml, built and started as an operator does (.env from
.env.example, secrets from deploy/make-secrets.sh), every container healthy; then, through the
published HTTPS port only: one application from draft to the unit's task; the settings check
refusing unsafe values; the upload limit; scaling and a frozen replica; and the backup drill —
back up, wipe every volume, restore, and the pre-backup verification code still verifies and the
sealed ID number still opens. What this cannot see (MinIO's own user and policy, which the S3
stand-in lacks) stays in the static checks (tests/deploy/test_compose.py).
"""
from __future__ import annotations

import json
import os
import re
import signal
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.deploy.live.client import session
from tests.deploy.live.conftest import HOSTNAME
from tests.deploy.live.engine import ROOT, timed
from tests.support import applications as apps

pytestmark = pytest.mark.live

UNIT = "unit-urumqi-machinery"  # deploy/sample/organisations.yaml
REVIEWER = "hr.machinery@example.org"
SERVICES = ("intake", "review", "documents", "notify")


def season_open_today(work: Path) -> Path:
    """seasons/2019.yaml with its windows moved around today: the deployment runs on the real
    clock (a shifted clock is refused in production), and the 2019 window is long closed."""
    today = date.today()
    text = (ROOT / "seasons" / "2019.yaml").read_text(encoding="utf-8")
    text = re.sub(r"application: \{start: [\d-]+, end: [\d-]+\}",
                  f"application: {{start: {today - timedelta(days=3)}, "
                  f"end: {today + timedelta(days=25)}}}", text)
    text = re.sub(r"paper_delivery: \{start: [\d-]+, end: [\d-]+\}",
                  f"paper_delivery: {{start: {today + timedelta(days=26)}, "
                  f"end: {today + timedelta(days=45)}}}", text)
    path = work / "season.yaml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644)
    return path


def presigned_upload(live, token, application_id, section, kind):
    """The browser's way: a presigned POST to the object store through the proxy's S3 port."""
    api = live.api
    path = f"/applications/{application_id}"
    r = api.call("POST", f"{path}/attachments/{section}/{kind}/uploads", token,
                 json={"filename": f"{kind}.jpg"})
    assert r.status_code == 201, r.text
    attachment, form = r.json()["attachment"], r.json()["upload"]
    public = f"https://{HOSTNAME}:{live.ports['S3_HTTPS_PORT']}/"
    assert form["url"].startswith(public), form["url"]  # signed for the public name, over TLS
    url = form["url"].replace(f"https://{HOSTNAME}:", "https://127.0.0.1:")
    posted = session(HOSTNAME, str(live.secrets / "tls_certificate.pem")).post(
        url, data=form["fields"], timeout=60,
        headers={"Host": f"{HOSTNAME}:{live.ports['S3_HTTPS_PORT']}"},
        files={"file": (f"{kind}.jpg", apps.attachment_image(kind), "image/jpeg")})
    assert posted.status_code in (200, 201, 204), posted.text
    r = api.call("POST", f"{path}/attachments/{attachment['id']}/confirm", token)
    assert r.status_code == 200, r.text


@pytest.fixture(scope="module")
def application(deployment):
    """One application taken from draft to the unit's task, as the frontend does it."""
    live, start = deployment, time.monotonic()
    season = season_open_today(live.work)
    live.compose.run("--profile", "seed", "run", "--rm", "-v", f"{season}:/tmp/season.yaml:ro",
                     "seed-season",
                     "titles", "load-season", "/tmp/season.yaml")
    live.compose.run("--profile", "seed", "run", "--rm", "seed-orgs")
    api = live.api
    me = api.token("live-applicant-1", org=UNIT, name="张三", email="zhangsan@example.org")
    body = apps.for_token(me, apps.body(UNIT, specialty="mechanical_electronic",
                                        level="senior_engineer"))
    created = apps.create(api, me, body)
    assert created["status"] == "draft"
    required = apps.required_attachments(body)
    presigned_upload(live, me, created["id"], *required[0])
    for section, kind in required[1:]:
        apps.upload(api, me, created["id"], section, kind)
    path = f"/applications/{created['id']}"
    api.wait_for(path, me, lambda b: all(a["status"] == "accepted" for a in b["attachments"])
                 and len(b["attachments"]) == len(required), timeout=120)
    r = api.call("POST", f"{path}/submit", me)
    assert r.status_code == 202, r.text
    done = api.wait_for(path, me, lambda b: b["status"] == "in_review" and b["documents"],
                        timeout=120)
    timed("draft to the unit's task over HTTPS", time.monotonic() - start)
    return {"id": created["id"], "token": me, "view": done,
            "id_number": body["sections"]["basic"]["id_number"]}


def test_every_container_is_healthy_and_tls_is_the_only_way_in(deployment):
    states = {c["Service"]: c for c in deployment.compose.containers()}
    for name in (*SERVICES, "rabbitmq", "postgres", "minio", "proxy"):
        assert states[name]["Health"] == "healthy", states[name]
    for job in ("topology", "buckets", *(f"migrate-{s}" for s in SERVICES)):
        assert states[job]["State"] == "exited" and states[job]["ExitCode"] == 0, states[job]
    r = deployment.api.call("GET", "/health")  # the certificate verified for the public name
    assert r.status_code == 200 and r.json()["service"] == "intake"
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    import requests

    plain = requests.get(f"http://127.0.0.1:{deployment.ports['HTTP_PORT']}/health?x=1",
                         headers={"Host": HOSTNAME}, allow_redirects=False, timeout=10)
    assert plain.status_code == 301
    assert plain.headers["Location"] == \
        f"https://{HOSTNAME}:{deployment.ports['HTTPS_PORT']}/health?x=1"


def test_unsafe_settings_stop_a_service_naming_each_variable(deployment):
    compose = deployment.compose
    done = compose.run("run", "--rm", "--no-deps", "-e", "PORTAL_URL=http://localhost:8000",
                       "-e", "SMTP_HOST=mailpit", "-e", "MAIL_FROM=zhicheng@localhost",
                       "notify", check=False, timeout=120)
    assert done.returncode == 78, done.stderr
    for variable in ("PORTAL_URL", "SMTP_HOST", "MAIL_FROM"):
        assert re.search(rf"^\s+{variable}\s", done.stderr, re.MULTILINE), done.stderr
    done = compose.run("run", "--rm", "--no-deps", "-e", "JWT_KEY_FILE=", "-e",
                       "JWT_KEY=CHANGE-ME-jwt-secret", "-e", "PII_KEY_FILE=", "-e",
                       "PII_KEY=c2hvcnQ=", "intake", check=False, timeout=120)
    assert done.returncode == 78, done.stderr
    assert "JWT_KEY" in done.stderr and "SETTING_PLACEHOLDER" in done.stderr
    assert "PII_KEY" in done.stderr and "KEY_TOO_SHORT" in done.stderr
    assert "CHANGE-ME-jwt" not in done.stderr  # values are never printed


def test_an_application_reaches_the_units_task_over_https(deployment, application):
    view = application["view"]
    assert view["current_step"]["step"] == "unit" and view["current_step"]["org_id"] == UNIT
    assert view["documents"][0]["verification_code"]
    reviewer = deployment.api.token("P-U01", role="unit_reviewer", org=UNIT)
    tasks = deployment.api.call("GET", "/review/tasks", reviewer).json()
    assert application["id"] in [t["application_id"] for t in tasks]
    deadline = time.time() + 60  # notify told the unit's reviewer, through the deployment's relay
    while REVIEWER not in deployment.compose.logs("smtp-sink", tail=2000):
        assert time.time() < deadline, "no mail to the unit's reviewer reached the SMTP sink"
        time.sleep(1)


def test_uploads_are_limited_where_intake_limits_them(deployment, application):
    api, limit = deployment.api, 20971520
    me, path = application["token"], f"/applications/{application['id']}/attachments/basic/photo"
    # Each request declares a body it never sends, so its connection cannot carry another request
    # (the next one's bytes would be read as the promised body): nginx closes it after the 413,
    # though its header says keep-alive, and a pooled connection reused before the client sees
    # that close fails with RemoteDisconnected (a clean-clone CI run did). One connection each.
    forged = {"Content-Type": "image/jpeg", "Connection": "close"}
    # Just over intake's limit: through the proxy to intake, which refuses it before reading.
    r = api.call("PUT", path, me, data=b"", headers={"Content-Length": str(limit + 1), **forged})
    assert (r.status_code, r.json()["code"]) == (413, "FILE_TOO_LARGE")
    # Far over: the proxy refuses it with the same problem, without passing it on.
    r = api.call("PUT", path, me, data=b"", headers={"Content-Length": str(limit * 2), **forged})
    assert (r.status_code, r.json()["code"]) == (413, "FILE_TOO_LARGE")
    assert r.headers["Content-Type"].startswith("application/problem+json")
    puts = [line for line in deployment.compose.logs("proxy", tail=50).splitlines()
            if '"PUT /applications/' in line and " 413 " in line]
    assert re.search(r"upstream=[\d.]+:8000/413", puts[-2])  # intake answered the first
    assert "upstream=-" in puts[-1]  # nobody behind the proxy saw the second


def test_replicas_are_balanced_and_a_frozen_one_turns_unhealthy(deployment, application):
    compose, api = deployment.compose, deployment.api
    compose.run("up", "-d", "--wait", "--no-recreate", "--scale", "intake=2", "--scale",
                "review=2")
    # nginx re-resolves `intake` every 10 s (docs/operations.md): within 30 s of the scale-up
    # both replicas answer; a cache filled just before it knows one address for a while
    upstreams, deadline = set(), time.monotonic() + 30
    while len(upstreams) < 2 and time.monotonic() < deadline:
        for _ in range(6):
            assert api.call("GET", "/health").status_code == 200
        upstreams |= set(re.findall(r"upstream=([\d.]+):8000", compose.logs("proxy", tail=30)))
        time.sleep(1)
    assert len(upstreams) == 2, upstreams  # both intake replicas answered
    frozen, sibling = sorted(c["Name"] for c in compose.containers("review"))
    service_pid = compose.host_pid(frozen, "bin/nameko run")  # under the container's init
    os.kill(service_pid, signal.SIGSTOP)
    try:
        seconds = compose.wait_health(frozen, "unhealthy", timeout=120)
        timed("a SIGSTOPped review replica turned unhealthy", seconds)
        assert compose.health(sibling) == "healthy"  # its sibling answers for the service
    finally:
        os.kill(service_pid, signal.SIGCONT)
    compose.wait_health(frozen, "healthy", timeout=120)
    compose.run("up", "-d", "--wait", "--scale", "intake=1", "--scale", "review=1")


def test_the_backup_survives_wiping_every_volume(deployment, application):
    live, compose, api = deployment, deployment.compose, deployment.api
    me, path = application["token"], f"/applications/{application['id']}"
    code = application["view"]["documents"][0]["verification_code"]
    assert api.call("GET", f"/verify/{code}").json()["genuine"] is True
    start = time.monotonic()
    compose.run("--profile", "ops", "run", "--rm", "backup")
    timed("titles backup", time.monotonic() - start)
    (backup,) = [p for p in live.backups.iterdir() if p.name.startswith("titles-")]
    manifest = json.loads((backup / "manifest.json").read_text())
    assert sorted(manifest["databases"]) == sorted(SERVICES)
    assert manifest["buckets"]["attachments"]["objects"] >= 1
    assert manifest["buckets"]["documents"]["objects"] >= 1

    restore = ["--profile", "ops", "run", "--rm", "backup", "titles", "restore",
               f"/backups/{backup.name}"]
    refused = compose.run(*restore, check=False)  # the services still hold their databases
    assert refused.returncode == 2 and "SERVICE_RUNNING" in refused.stderr, refused.stderr

    start = time.monotonic()
    compose.run("down", "-v")  # every volume: databases, broker, objects
    live.up("postgres", "rabbitmq", "minio", "buckets")
    compose.run(*restore)
    live.up()
    timed("wipe, restore and healthy again", time.monotonic() - start)

    verified = api.call("GET", f"/verify/{code}")
    assert verified.status_code == 200 and verified.json()["genuine"] is True, verified.text
    view = api.call("GET", path, me).json()
    assert view["sections"]["basic"]["id_number"] == application["id_number"]  # still opens
    reviewer = api.token("P-U01", role="unit_reviewer", org=UNIT)
    assert application["id"] in [t["application_id"]
                                 for t in api.call("GET", "/review/tasks", reviewer).json()]
    # Every object is back as it was: a second backup finds the same objects, byte for byte.
    compose.run("--profile", "ops", "run", "--rm", "backup")
    again = max(p for p in live.backups.iterdir() if p.name.startswith("titles-"))
    objects = lambda m: {k: v["sha256"] for k, v in m["files"].items()  # noqa: E731
                         if k.startswith("s3/")}
    assert objects(json.loads((again / "manifest.json").read_text())) == objects(manifest)
