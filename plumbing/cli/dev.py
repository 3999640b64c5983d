"""For development on one machine: a bearer token signed with the dev key, and `make run`."""
from __future__ import annotations

from plumbing import config as cfg


def register(sub) -> None:
    p = sub.add_parser("token", help="a development bearer token (HS256 JWT_KEY only)")
    p.add_argument("--role", required=True)
    p.add_argument("--sub", required=True)
    p.add_argument("--org")
    p.add_argument("--name", default="")
    p.add_argument("--email", default="")
    p.add_argument("--hours", type=float, default=12)
    p.set_defaults(run=token)
    sub.add_parser("run-local", help="everything as local processes (make run)") \
        .set_defaults(run=run_local)


def token(args) -> int:
    import time

    import jwt

    conf = cfg.load("intake")
    now = int(time.time())
    claims = {"sub": args.sub, "role": args.role, "aud": conf["JWT_AUDIENCE"], "iat": now,
              "exp": now + int(args.hours * 3600), "name": args.name, "email": args.email}
    if args.org:
        claims["org"] = args.org
    print(jwt.encode(claims, conf["JWT_KEY"], algorithm="HS256"))
    return 0


def run_local(args) -> int:
    from plumbing import local

    return local.main()
