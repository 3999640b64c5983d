"""`titles demo`: walk one application of the demo season through the running local system.

Against `titles run-local` (what var/run-local.json describes): from draft through the unit's
publicity (the drill clock is moved past its 5 working days), each department, the committee, a
meeting and a posted result (plumbing/walkthrough.py). It prints each step, then every mail and
SMS notify sent about the application (the log backends write them to var/log/notify.log), and
where to download the 评审表. It waits until no notice of the application is pending; exit 0
when the result is posted and every notice sent, 1 otherwise.
"""
from __future__ import annotations

import re
import sys
import time
from datetime import datetime
from pathlib import Path

from contracts.errors import Refusal


def register(sub) -> None:
    p = sub.add_parser("demo", help="walk one application through the running local system")
    p.add_argument("--timeout", type=float, default=120,
                   help="seconds to wait for any one asynchronous step")
    p.set_defaults(run=run)


def run(args) -> int:
    from plumbing import clock, local
    from plumbing.cli.clock import drill_clock_file
    from plumbing.walkthrough import StepFailed, Walkthrough, newest_form, season_file

    settings = local.deployment()
    if "api" not in settings:
        raise Refusal("DEMO_NOT_RUNNING",
                      "没有找到本地部署：请先在另一个终端运行 make run（titles run-local），就绪后再运行 titles demo",
                      status=409)
    path = drill_clock_file()
    started = time.monotonic()
    n = iter(range(1, 100))

    def say(text: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {next(n):2d}. {text}", flush=True)

    def move_clock(target: datetime) -> None:
        now = clock.now_with(clock.offset_from(path))
        if target > now:
            clock.write_offset(path, clock.offset_from(path) + (target - now))
            say(f"drill clock moved ahead by {_days(target - now)} to {target.isoformat()} "
                f"(`titles clock show`; `titles clock reset` returns to real time)")

    walk = Walkthrough(settings["api"], settings["JWT_KEY"], settings["JWT_AUDIENCE"],
                       season_file(settings["season"]), say, move_clock, args.timeout)
    print(f"Walking one application of season {settings['season']} through {settings['api']}",
          flush=True)
    try:
        app = walk.run()
        sends = walk.notifications_sent()
    except StepFailed as exc:
        print(f"\nFAILED: {exc}", file=sys.stderr)
        if "WINDOW_CLOSED" in str(exc):
            print("Each walkthrough moves the drill clock about a week ahead; the demo season's "
                  "window is now behind it. Restart `make run` (the demo season is made again "
                  "around the clock) or run `titles clock reset`.", file=sys.stderr)
        return 1
    print_notices(walk, sends, Path(settings["log_dir"]) / "notify.log")
    if not print_form(walk, settings, walk.ref, newest_form(app)):
        return 1
    left = [s for s in sends if s["status"] != "sent"]
    print(f"\nDone in {time.monotonic() - started:.0f} s: result posted, "
          f"{len(sends) - len(left)} of {len(sends)} notices sent.")
    if left:
        print(f"not sent: {[(s['template'], s['status'], s['last_error']) for s in left]}",
              file=sys.stderr)
        return 1
    return 0


def print_notices(walk, sends: list[dict], log_file: Path) -> None:
    """Every send about the application (notify's record), then the messages as the log
    backends wrote them (masked addresses)."""
    print(f"\nNotices about {walk.ref} (GET /applications/{walk.id}/notifications):")
    for s in sends:
        print(f"  {s['status']:>6}  {s['channel']:<5} {s['template']:<28} to {s['recipient']}")
    recipients = {s["recipient"] for s in sends}
    lines = []
    for channel, to, text in sent_messages(log_file):
        if to in recipients and (walk.ref in text or walk.contact["name"] in text):
            lines.append(f"  {channel} to {to}: " + text.rstrip().replace("\n", "\n      "))
    print(f"\nMessages as sent (log backends, {log_file}):")
    print("\n".join(lines) if lines else "  (none found in the log: MAIL_BACKEND/SMS_BACKEND "
                                          "are not `log`)")


def sent_messages(log_file: Path):
    """(channel, masked address, text) of each message the log backends wrote: a record starts
    with its timestamp; an email's body continues on the lines after it."""
    if not log_file.exists():
        return
    start = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
    sent = re.compile(r" notify\.channels (email|sms) to (\S+): (.*)$")
    record = None
    for line in log_file.read_text("utf-8", errors="replace").splitlines():
        if start.match(line):
            if record:
                yield record[0], record[1], "\n".join(record[2])
            found = sent.search(line)
            record = (found.group(1), found.group(2), [found.group(3)]) if found else None
        elif record:
            record[2].append(line)
    if record:
        yield record[0], record[1], "\n".join(record[2])


def print_form(walk, settings: dict, ref: str, form: dict | None) -> bool:
    """The newest 评审表 downloaded through the API, as the applicant would (documents draws
    it on this first download), saved under var/demo/, with its verify link; False when it
    cannot be downloaded."""
    from plumbing.config import ROOT
    from plumbing.walkthrough import StepFailed

    if form is None:
        print("\nNo 评审表 recorded yet.")
        return False
    try:
        pdf = walk.download(form["href"], "applicant")
    except StepFailed as exc:
        print(f"\nFAILED: the 评审表 could not be downloaded: {exc}", file=sys.stderr)
        return False
    out = Path(settings.get("var") or ROOT / "var") / "demo" / f"{ref}-评审表.pdf"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    print(f"\n评审表 (D-1), version {form['version']} revision {form['revision']}, "
          f"verification code {form['verification_code']}:")
    print(f"  download:    GET {settings['api']}{form['href']} (the applicant's token)")
    print(f"  downloaded:  {out} ({len(pdf) // 1024} KB)")
    print(f"  verify link (its QR code): {settings['api']}/verify/{form['verification_code']}")
    return True


def _days(delta) -> str:
    return f"{delta.total_seconds() / 86400:.1f} days"

