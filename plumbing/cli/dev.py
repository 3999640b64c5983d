"""For development on one machine: a bearer token signed with the dev key, and `make run`."""
from __future__ import annotations

import time

from plumbing import config as cfg


def register(sub) -> None:
    p = sub.add_parser("token", help="a development bearer token (HS256 JWT_KEY only)")
    p.add_argument("--role", required=True)
    p.add_argument("--sub", required=True)
    p.add_argument("--org")
    p.add_argument("--name", default="")
    p.add_argument("--email", default="")
    p.add_argument("--phone", default="", help="the person's mobile number (SMS notices)")
    p.add_argument("--hours", type=float, default=12)
    p.set_defaults(run=token)
    sub.add_parser("run-local", help="everything as local processes (make run)") \
        .set_defaults(run=run_local)


def make_token(key: str, audience: str, role: str, sub: str, org: str | None = None,
               hours: float = 12, **claims) -> str:
    """An HS256 token as the platform issues them: `sub`, `role`, `org` for staff, and the
    person's `name`, `email` and `phone` when given (intake takes section 1's contact from them)."""
    import jwt

    now = int(time.time())
    body = {"sub": sub, "role": role, "aud": audience, "iat": now,
            "exp": now + int(hours * 3600), **{k: v for k, v in claims.items() if v}}
    if org:
        body["org"] = org
    return jwt.encode(body, key, algorithm="HS256")


def token(args) -> int:
    conf = cfg.load("intake")
    print(make_token(conf["JWT_KEY"], conf["JWT_AUDIENCE"], args.role, args.sub, args.org,
                     args.hours, name=args.name, email=args.email, phone=args.phone))
    return 0


def run_local(args) -> int:
    from plumbing import local

    return local.main()
