"""`titles clock show|advance <duration>|reset`: move a drill deployment's clock.

The services add the seconds in `CLOCK_OFFSET_FILE` to the real time (plumbing/clock.py); this
command reads and writes that file. It refuses unless the deployment is a drill (`DRILL=true`):
`titles run-local` is one (it records its settings in var/run-local.json, which this command
reads when the environment names no clock file); a compose drill sets `DRILL=true` and a
`CLOCK_OFFSET_FILE` on a volume every service mounts.
"""
from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

from contracts.errors import Refusal

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")  # the seasons' zone (seasons/*.yaml time_zone)


def register(sub) -> None:
    p = sub.add_parser("clock", help="show, advance or reset a drill deployment's clock")
    p.add_argument("action", choices=("show", "advance", "reset"))
    p.add_argument("duration", nargs="?", help="with advance: 5d, 48h, 1d12h, 90m, 30s")
    p.set_defaults(run=run)


def drill_clock_file() -> str:
    """The deployment's clock file, or a refusal saying why its clock may not be moved."""
    from plumbing import clock, local

    settings = local.deployment()
    if not clock.is_drill(settings.get("DRILL")):
        raise Refusal("CLOCK_NOT_A_DRILL",
                      "只有演练或本地部署（DRILL=true）可以调整时钟；正式部署的时间不能手工改动",
                      status=409, field="DRILL")
    path = settings.get("CLOCK_OFFSET_FILE")
    if not path:
        raise Refusal("CLOCK_FILE_MISSING",
                      "未设置 CLOCK_OFFSET_FILE：各服务读取的时钟偏移文件，需在启动服务时同时设置",
                      status=409, field="CLOCK_OFFSET_FILE")
    return path


def describe(path: str) -> dict:
    from plumbing import clock

    offset = clock.offset_from(path)
    now = clock.now_with(offset)
    return {"clock_file": path, "offset_seconds": round(offset.total_seconds(), 3),
            "offset": _human(offset), "now_utc": now.isoformat(timespec="seconds"),
            "now_local": now.astimezone(LOCAL_ZONE).isoformat(timespec="seconds")}


def advance(path: str, by: timedelta) -> dict:
    from plumbing import clock

    if by <= timedelta(0):
        raise Refusal("CLOCK_DURATION_INVALID", "只能向前拨时钟；回到真实时间请用 titles clock reset",
                      status=422, field="duration")
    clock.write_offset(path, clock.offset_from(path) + by)
    return describe(path)


def reset(path: str) -> dict:
    from plumbing import clock

    clock.write_offset(path, timedelta(0))
    return describe(path)


def run(args) -> int:
    from plumbing import clock

    path = drill_clock_file()
    if args.action == "advance":
        if not args.duration:
            raise Refusal("CLOCK_DURATION_INVALID", "请给出时长，例如 titles clock advance 5d",
                          status=422, field="duration")
        shown = advance(path, clock.parse_duration(args.duration))
    elif args.action == "reset":
        shown = reset(path)
    else:
        shown = describe(path)
    print(json.dumps(shown, ensure_ascii=False, indent=2))
    return 0


def _human(offset: timedelta) -> str:
    seconds = int(round(offset.total_seconds()))
    if seconds == 0:
        return "real time"
    sign, seconds = ("-" if seconds < 0 else "+"), abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{v}{u}" for v, u in ((days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")) if v]
    return sign + "".join(parts)
