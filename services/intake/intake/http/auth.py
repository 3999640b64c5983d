"""Who is calling: the platform's bearer JWT, checked against configured keys (docs/rules.md §9).

Claims: `sub` (person id), `role`, `org` (the organisation the role acts for), and the person's
`name`, `email`, `phone` for notifications. The platform issues tokens; intake only verifies.
"""
from __future__ import annotations

from dataclasses import dataclass

import jwt

from contracts.errors import Refusal

ROLES = ("applicant", "unit_reviewer", "department_reviewer", "committee_secretary", "expert",
         "admin")


@dataclass(frozen=True)
class Principal:
    sub: str
    role: str
    org: str | None
    name: str
    email: str
    phone: str

    def contact(self) -> dict:
        return {"person_id": self.sub, "name": self.name, "email": self.email,
                "phone": self.phone}

    def who(self) -> dict:
        """The principal as review's RPCs take it, to attribute a decision (R-4.1)."""
        return {"sub": self.sub, "role": self.role, "org": self.org, "name": self.name}


def unauthenticated(message: str) -> Refusal:
    return Refusal("UNAUTHENTICATED", message, status=401)


def authenticate(header: str | None, key: str, algorithms: list[str], audience: str) -> Principal:
    if not header or not header.startswith("Bearer "):
        raise unauthenticated("缺少登录凭据（Authorization: Bearer <token>）")
    try:
        claims = jwt.decode(header[7:], key, algorithms=algorithms, audience=audience,
                            options={"require": ["sub", "exp"]})
    except jwt.ExpiredSignatureError:
        raise unauthenticated("登录已过期，请重新登录") from None
    except jwt.InvalidTokenError:
        raise unauthenticated("登录凭据无效") from None
    role = claims.get("role")
    if role not in ROLES:
        raise Refusal("FORBIDDEN", "该账号的角色无权使用本系统", status=403)
    return Principal(str(claims["sub"]), role, claims.get("org"), str(claims.get("name") or ""),
                     str(claims.get("email") or ""), str(claims.get("phone") or ""))


def caller(request, config) -> Principal:
    """The principal of an HTTP request, by the service's JWT settings (`JWT_KEY`,
    `JWT_ALGORITHMS` comma-separated, `JWT_AUDIENCE`)."""
    return authenticate(request.headers.get("Authorization"), config["JWT_KEY"],
                        [a.strip() for a in str(config["JWT_ALGORITHMS"]).split(",")],
                        config["JWT_AUDIENCE"])


def require(principal: Principal, *roles: str) -> None:
    if principal.role not in roles:
        raise Refusal("FORBIDDEN", "当前角色无权进行此操作", status=403)
