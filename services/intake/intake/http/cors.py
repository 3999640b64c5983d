"""Cross-origin calls from a browser frontend (CORS, the Fetch standard).

`CORS_ALLOWED_ORIGINS` (comma-separated, e.g. `https://zc.example.gov.cn`) lists the origins
whose pages may call the API; by default `none`. An allowed origin gets
`Access-Control-Allow-Origin: <origin>` on every answer (refusals included, so the frontend can
read the problem), the headers it may read (`Location`, `Content-Disposition`, …), and on a
preflight (`OPTIONS` with `Access-Control-Request-Method`) the methods the path serves and the
request headers the API reads. Credentials are a bearer token, not cookies, so
`Access-Control-Allow-Credentials` is never sent. Another origin gets no CORS header: its
browser refuses to hand over the answer. `Vary: Origin` keeps caches apart.
"""
from __future__ import annotations

# Request headers the API reads (besides the CORS-safelisted ones).
ALLOWED_HEADERS = ("Authorization", "Content-Type", "X-Filename", "Content-Disposition",
                   "If-None-Match", "Accept")
EXPOSED_HEADERS = ("Location", "Content-Disposition", "Retry-After", "X-Verification-Code",
                   "ETag", "Allow")
MAX_AGE_SECONDS = 600


def allowed_origins(config) -> frozenset[str]:
    """The configured origins, exactly as a browser sends them (scheme://host[:port], no slash);
    `*` is not accepted: name each origin."""
    raw = str((config or {}).get("CORS_ALLOWED_ORIGINS") or "")
    return frozenset(o.strip().rstrip("/") for o in raw.split(",")
                     if o.strip() and o.strip() != "*" and o.strip().lower() != "none")


def decorate(headers, origin: str, origins: frozenset[str]) -> None:
    """Add the CORS headers of an actual answer (`headers` is a werkzeug Headers)."""
    if not origins:
        return
    headers.add("Vary", "Origin")
    if origin in origins:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSED_HEADERS)


def preflight(origin: str, origins: frozenset[str], methods: list[str],
              requested_method: str | None, requested_headers: str | None) -> dict:
    """The preflight's own headers: the path's methods and the headers the API reads, when the
    origin is allowed and asks for one of them; else none (the browser then refuses)."""
    if origin not in origins or requested_method is None:
        return {}
    if requested_method.upper() not in methods:
        return {}
    asked = {h.strip().lower() for h in (requested_headers or "").split(",") if h.strip()}
    if not asked <= {h.lower() for h in ALLOWED_HEADERS}:
        return {}
    return {"Access-Control-Allow-Methods": ", ".join(methods),
            "Access-Control-Allow-Headers": ", ".join(ALLOWED_HEADERS),
            "Access-Control-Max-Age": str(MAX_AGE_SECONDS)}
