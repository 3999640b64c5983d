"""One application of the demo season from draft to a posted result, through the HTTP API as
the platform's frontend would call it (`titles demo`; the benchmark bench/embedded.py runs ten
at once).

Draft → attachments checked (R-3.2) → submitted → the unit's publicity of 5 working days (R-4.2,
the drill clock moved past it) → recommended → each department forwards (R-4.3) → the committee
accepts → a meeting with a quorum, recusals and a secret ballot (N-8.2..N-8.4) → the result is
posted (N-8.6). Each step is a method; `Walkthrough.run` calls them in order and says what
happened through `say`.
"""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import requests
import yaml

from plumbing import demo_applicant
from plumbing.cli.dev import make_token
from plumbing.config import ROOT
from plumbing.quickstart import COMMITTEE, ORGS_FILE, ROLES

STAFF = {r.role: r for r in ROLES}


class StepFailed(AssertionError):
    """The system did not answer as the walkthrough expected: what it asked, what it got."""


class Walkthrough:
    def __init__(self, api: str, key: str, audience: str, season_file: Path, say=print,
                 move_clock=None, timeout: float = 120):
        self.api, self.say, self.timeout = api.rstrip("/"), say, timeout
        self.http = requests.Session()
        self.season = yaml.safe_load(season_file.read_text("utf-8"))
        self.move_clock = move_clock  # callable(target: datetime) moving the drill clock there
        self.key, self.audience = key, audience
        me = uuid.uuid4().hex[:6]
        self.contact = {"name": f"张演示{me[:2].upper()}", "email": f"demo-{me}@example.org",
                        "phone": f"138{int(me, 16) % 10**8:08d}", "channel": "sms"}
        a = STAFF["applicant"]
        self.tokens = {r.role: self._token(r.role, r.sub, r.org, r.name, r.email)
                       for r in ROLES if r.role != "applicant"}
        self.tokens["applicant"] = self._token("applicant", f"demo-applicant-{me}", a.org,
                                               self.contact["name"], self.contact["email"],
                                               self.contact["phone"])
        self.unit = a.org
        self.id = self.ref = None
        self.calls = []  # (method, path, status, seconds): what the benchmark reads

    # ---- HTTP ----------------------------------------------------------------------------
    def _token(self, role, sub, org, name, email="", phone=""):
        return make_token(self.key, self.audience, role, sub, org, 2, name=name, email=email,
                          phone=phone)

    def call(self, method: str, path: str, role: str, expect: int = 200, **kw) -> dict | list:
        headers = {"Authorization": f"Bearer {self.tokens[role]}", **kw.pop("headers", {})}
        started = time.monotonic()
        try:
            r = self.http.request(method, self.api + path, headers=headers, timeout=60, **kw)
        except requests.RequestException as exc:  # no answer: recorded as status 0
            self.calls.append((method, path, 0, time.monotonic() - started))
            raise StepFailed(f"{method} {path} as {role}: no answer ({exc})") from exc
        self.calls.append((method, path, r.status_code, time.monotonic() - started))
        if r.status_code != expect:
            raise StepFailed(f"{method} {path} as {role}: {r.status_code} (expected {expect}) "
                             f"{r.text[:800]}")
        return r.json() if r.content else {}

    def download(self, path: str, role: str) -> bytes:
        """A file as the frontend downloads it (a document is drawn on its first download)."""
        r = self.http.get(self.api + path, timeout=60,
                          headers={"Authorization": f"Bearer {self.tokens[role]}"})
        self.calls.append(("GET", path, r.status_code, r.elapsed.total_seconds()))
        if r.status_code != 200:
            raise StepFailed(f"GET {path} as {role}: {r.status_code} {r.text[:800]}")
        return r.content

    def wait(self, path: str, role: str, predicate, what: str):
        deadline, last = time.monotonic() + self.timeout, None
        while time.monotonic() < deadline:
            last = self.call("GET", path, role)
            if predicate(last):
                return last
            time.sleep(0.3)
        raise StepFailed(f"waited {self.timeout:.0f} s for {what}; last answer: {last}")

    # ---- the steps -----------------------------------------------------------------------
    def draft(self):
        body = demo_applicant.application(self.season, self.unit, self.contact)
        app = self.call("POST", "/applications", "applicant", 201, json=body)
        self.id, self.ref = app["id"], app["id"][:8].upper()
        self.say(f"draft {self.ref} ({app['id']}) opened by {self.contact['name']} of "
                 f"{self.unit}: {len(app['required_attachments'])} kinds of attachment needed")
        return app

    def attachments(self):
        app = self.call("GET", f"/applications/{self.id}", "applicant")
        for need in app["required_attachments"]:
            for _ in range(need["min_count"]):
                self.call("PUT", f"/applications/{self.id}/attachments/{need['section']}/"
                          f"{need['kind']}", "applicant", 201,
                          data=demo_applicant.image(need["kind"]),
                          headers={"Content-Type": "image/jpeg",
                                   "X-Filename": f"{need['kind']}.jpg"})
        done = self.wait(f"/applications/{self.id}", "applicant", lambda b: b["attachments"] and all(
            a["status"] != "checking" for a in b["attachments"]), "documents' verdicts")
        verdicts = [a["status"] for a in done["attachments"]]
        if set(verdicts) != {"accepted"}:
            raise StepFailed(f"attachments not all accepted: {done['attachments']}")
        self.say(f"{len(verdicts)} attachments uploaded and accepted by documents (R-3.2)")

    def submit(self):
        self.call("POST", f"/applications/{self.id}/submit", "applicant", 202)
        app = self.wait(f"/applications/{self.id}", "applicant",
                        lambda b: b["status"] == "in_review" and b["documents"],
                        "review to route it and documents to render the 评审表")
        self.say(f"submitted: at the unit's step ({app['current_step']['org_id']}); "
                 f"评审表 v{app['documents'][0]['version']} recorded (drawn on its first download)")

    def publicity(self):
        pub = self.call("POST", f"/review/applications/{self.id}/publicity", "unit_reviewer", 201)
        ends = datetime.fromisoformat(pub["ends_at"])
        self.say(f"unit publicity (公示, 5 working days, R-4.2) opened, ends {pub['ends_at']}")
        if self.move_clock:
            self.move_clock(ends + timedelta(hours=1))
        return pub

    def recommend(self):
        decided = self.call("POST", f"/review/applications/{self.id}/recommend", "unit_reviewer",
                            json={"opinion": self.season["recommendation_text"]})
        self.say(f"the unit recommended it (R-4.2); next: {decided['next_step']} "
                 f"{decided.get('next_org_id') or ''}")
        while decided["next_step"] != "committee":
            org = decided["next_org_id"]
            if org != STAFF["department_reviewer"].org:
                raise StepFailed(f"a department the demo has no reviewer for: {org}")
            decided = self.call("POST", f"/review/applications/{self.id}/forward",
                                "department_reviewer", json={"reason": "同意上报（演示）"})
            self.say(f"department {org} forwarded it (R-4.3); next: {decided['next_step']}")

    def accept(self):
        self.call("POST", f"/review/applications/{self.id}/accept", "committee_secretary")
        self.say("the committee's office accepted it (formal review passed)")

    def meeting(self):
        members = next(c["members"] for c in yaml.safe_load(ORGS_FILE.read_text("utf-8"))[
            "committees"] if c["id"] == COMMITTEE)
        attending = [m["id"] for m in members][:-1]  # one member absent: still a quorum
        meeting = self.call("POST", "/review/meetings", "committee_secretary", 201,
                            json={"application_ids": [self.id], "attending": attending})
        recused = {r["expert_id"] for r in meeting["recusals"]}
        self.say(f"meeting opened: {len(attending)} of {meeting['members']} members attend "
                 f"(N-8.2); recused (N-8.4): {', '.join(sorted(recused)) or 'none'}")
        voters = [e for e in attending if e not in recused]
        for expert in voters:
            self.tokens["expert"] = self._token("expert", expert, COMMITTEE, expert)
            self.call("POST", f"/review/meetings/{meeting['id']}/ballots", "expert", 201,
                      json={"application_id": self.id, "choice": "for"})
        self.say(f"{len(voters)} secret ballots cast (N-8.3)")
        closed = self.call("POST", f"/review/meetings/{meeting['id']}/close",
                           "committee_secretary")
        result = next(r for r in closed["results"] if r["application_id"] == self.id)
        self.say(f"meeting closed: {result['outcome']} with {result['votes_for']} of "
                 f"{result['eligible']} votes; posted until {result['until']} (N-8.6)")
        return result

    def posted(self):
        app = self.wait(f"/applications/{self.id}", "applicant",
                        lambda b: b.get("result") is not None, "intake to show the result")
        self.say(f"the applicant sees the result: {app['result']}")
        return app

    def documents(self):
        """documents prints each recorded opinion on a new revision of the 评审表 (D-1): wait
        until the newest revision carries every decision so far."""
        def current(app):
            history = self.call("GET", f"/applications/{self.id}/history", "applicant")
            decided = [h["action"] for h in history].count("step_decided")
            form = newest_form(app)
            return form is not None and form["revision"] >= decided

        app = self.wait(f"/applications/{self.id}", "applicant", current,
                        "documents to print every opinion on the 评审表")
        form = newest_form(app)
        self.say(f"评审表 revision {form['revision']} carries every opinion recorded (D-1)")
        return app

    def notifications_sent(self) -> list[dict]:
        """Every notice about the application, once none is still waiting."""
        sends = self.wait(f"/applications/{self.id}/notifications", "admin",
                          lambda s: s and all(x["status"] not in ("pending", "sending")
                                              for x in s),
                          "notify to send every notice")
        return sends

    STEPS = ("draft", "attachments", "submit", "publicity", "recommend", "accept", "meeting",
             "posted", "documents")

    def run(self) -> dict:
        for name in self.STEPS:
            getattr(self, name)()
        return self.call("GET", f"/applications/{self.id}", "applicant")


def newest_form(app: dict) -> dict | None:
    forms = [d for d in app["documents"] if d["kind"] == "evaluation_form"]
    return max(forms, key=lambda d: (d["version"], d["revision"])) if forms else None


def season_file(season_id: str) -> Path:
    return ROOT / "seasons" / f"{season_id}.yaml"
