"""Deployment settings: secrets read from files, unsafe values refused before anything starts.

Every process of the image starts through this module (the Dockerfile's ENTRYPOINT is
`python -m plumbing.settings <command…>`), and `titles` applies it itself (a health check or
`docker compose exec` bypasses the entrypoint). Two steps (docs/operations.md, "Secrets"):

1. **Secrets from files** (`apply`): for each `NAME_FILE` in the environment, NAME becomes the
   file's content, without its final newline — compose `secrets:` mounts them under /run/secrets.
   NAME is a secret, key id or URL (it ends in _KEY, _SECRET, _PASSWORD, _KEY_ID, _URI or _URL):
   SSL_CERT_FILE and CLOCK_OFFSET_FILE are paths and stay paths.
   A password inside a URL has its own file: `AMQP_PASSWORD` goes into `AMQP_URI` and
   `DATABASE_PASSWORD` into `DATABASE_URL` (URL-quoted), so no URL needs to hold a secret.
2. **Under `TITLES_ENV=production`** (compose sets it; `make run` and the tests do not; a
   drill's copy sets `drill`, which allows only its movable clock), `problems`
   refuses placeholders (`CHANGE-ME`), development defaults (the value a service's config.yml falls
   back to, for every secret, and `dev-only` values), keys too short to be keys, public addresses
   that point at this machine or are not HTTPS, SQLite, a drill's movable clock (DRILL,
   CLOCK_OFFSET_FILE), and a mail relay the deployment does not define (its name does not
   resolve, as `mailpit` outside `--profile dev`).
   Each is one line naming the variable; values are never printed. The process exits 78
   (EX_CONFIG) having started nothing.
"""
from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import re
import socket
import sys
from pathlib import Path
from typing import Callable, Mapping, MutableMapping
from urllib.parse import quote, urlsplit, urlunsplit

from contracts.errors import Problem

PRODUCTION = "production"
DRILL = "drill"  # a rehearsal on a copy: every check but the movable clock (docs/operations.md)
EX_CONFIG = 78  # sysexits.h: configuration error

# Secrets and the fewest characters each must have (a key shorter than this is a password).
SECRETS = {"JWT_KEY": 32, "DOCUMENT_SECRET": 32, "S3_SECRET_KEY": 16, "AMQP_PASSWORD": 16,
           "DATABASE_PASSWORD": 16, "SMTP_PASSWORD": 1, "SMS_ACCESS_KEY_SECRET": 1, "PII_KEY": 32}
# Passwords carried inside a URL: (the URL, the variable holding the password on its own).
URL_PASSWORDS = {"AMQP_URI": "AMQP_PASSWORD", "DATABASE_URL": "DATABASE_PASSWORD"}
# Addresses people reach from outside: on printed QR codes, in messages, in upload forms.
PUBLIC_URLS = ("VERIFY_URL_BASE", "PORTAL_URL", "S3_PUBLIC_ENDPOINT")
# What development uses and a deployment never may (also the defaults of services/*/config.yml).
DEV_VALUES = {"minioadmin", "guest", "password", "secret", "changeme"}
PLACEHOLDER = re.compile(r"change[-_ ]?me", re.IGNORECASE)
DEV_MARKER = re.compile(r"dev[-_]only", re.IGNORECASE)
# The settings NAME_FILE may hold: secrets, key ids and URLs (which may carry a password).
FROM_FILE = re.compile(r"[A-Z][A-Z0-9_]*_(KEY|SECRET|PASSWORD|KEY_ID|URI|URL)")
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


class SettingsError(Exception):
    """The settings cannot even be read (a secret file missing, a variable set twice)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.field}: {p.code}" for p in problems))
        self.problems = problems


# --- 1. secrets from files -----------------------------------------------------------------------

def apply(environ: MutableMapping[str, str]) -> list[str]:
    """Read every `NAME_FILE` into NAME and the URL passwords into their URLs, in place; returns
    the names set. Raises SettingsError naming every variable that could not be read."""
    problems, done = [], []
    for file_var in sorted(k for k in environ if k.endswith("_FILE") and environ[k]):
        name = file_var[:-len("_FILE")]
        if not FROM_FILE.fullmatch(name):  # SSL_CERT_FILE, CLOCK_OFFSET_FILE: a path is the value
            continue
        try:
            value = Path(environ[file_var]).read_text(encoding="utf-8").removesuffix("\n")
        except OSError as exc:
            problems.append(Problem("SECRET_FILE_UNREADABLE",
                                    f"{file_var} 指向的文件无法读取（{exc.strerror}），"
                                    "请检查 compose 的 secrets: 与文件权限", name))
            continue
        if environ.get(name) not in (None, "", value):
            problems.append(Problem("SECRET_SET_TWICE",
                                    f"同时设置了 {name} 和 {file_var} 且两者不同，只保留其一",
                                    name))
            continue
        environ[name] = value
        done.append(name)
    for url_var, password_var in url_passwords(environ).items():
        if environ.get(url_var) and environ.get(password_var):
            environ[url_var] = with_password(environ[url_var], environ[password_var])
    if problems:
        raise SettingsError(problems)
    return done


def url_passwords(names) -> dict[str, str]:
    """Each URL variable among `names` -> the variable of its password: AMQP_URI and
    DATABASE_URL, and <SERVICE>_DATABASE_URL (what `titles backup` reads) -> <SERVICE>_DATABASE_PASSWORD."""
    found = dict(URL_PASSWORDS)
    found.update({n: n[:-len("URL")] + "PASSWORD" for n in names if n.endswith("_DATABASE_URL")})
    return found


def with_password(url: str, password: str) -> str:
    """`url` with `password` as its password (quoted), user and everything else kept."""
    parts = urlsplit(url)
    if not parts.username:
        return url
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{parts.username}:{quote(password, safe='')}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


# --- 2. what a deployment may not run with -------------------------------------------------------

def mode(environ: Mapping[str, str]) -> str:
    return environ.get("TITLES_ENV", "").strip().lower()


def is_production(environ: Mapping[str, str]) -> bool:
    """Checked: a production deployment, or a drill's copy of one."""
    return mode(environ) in (PRODUCTION, DRILL)


def problems(values: Mapping[str, object], defaults: Mapping[str, str | None] | None = None,
             resolve: Callable[[str], object] | None = None, drill: bool = False) -> list[Problem]:
    """Everything unsafe in `values` (a service's resolved config, or the variables a command was
    given). `defaults` are the service's config.yml fallbacks: a secret equal to one was never
    set. `resolve(host)` raises OSError for a host the deployment does not define. A `drill`
    (TITLES_ENV=drill) may move its clock; nothing else is allowed it."""
    values = {k: ("" if v is None else str(v)) for k, v in values.items()}
    defaults = defaults or {}
    resolve = resolve or (lambda host: socket.getaddrinfo(host, None))
    found: list[Problem] = []
    for name, value in values.items():
        if PLACEHOLDER.search(value):
            found.append(Problem("SETTING_PLACEHOLDER",
                                 f"{name} 仍是 .env.example 的占位值（CHANGE-ME），请换成本部署的真实值",
                                 name))
    flagged = {p.field for p in found}
    for name, minimum in SECRETS.items():
        if name in values and name not in flagged:
            found += _secret_problems(name, values[name], minimum, defaults.get(name), values)
    if values.get("S3_ACCESS_KEY", "").lower() in DEV_VALUES:
        found.append(Problem("SETTING_DEV_DEFAULT", "S3_ACCESS_KEY 是 MinIO 的开发默认账号，请用 buckets "
                                                    "作业创建的服务专用账号", "S3_ACCESS_KEY"))
    for url_var, password_var in url_passwords(values).items():
        if values.get(url_var) and url_var not in flagged:
            found += _url_problems(url_var, values[url_var], password_var, defaults.get(url_var))
    for name in PUBLIC_URLS:
        if name in values and name not in flagged:
            found += _public_url_problems(name, values[name])
    found += _mail_problems(values, resolve)
    if drill:
        return found
    if str(values.get("DRILL", "")).strip().lower() in ("1", "true", "yes", "on"):
        found.append(Problem("DRILL_IN_PRODUCTION", "DRILL=true 允许手动拨动时钟，只用于演练"
                                                    "（make run，或 TITLES_ENV=drill 的演练副本）；"
                                                    "生产环境请删除该设置", "DRILL"))
    if values.get("CLOCK_OFFSET_FILE"):
        found.append(Problem("CLOCK_SHIFTED", "CLOCK_OFFSET_FILE 只用于测试和演练，生产环境的时钟不能偏移，"
                                              "请删除该设置", "CLOCK_OFFSET_FILE"))
    return found


def _secret_problems(name, value, minimum, default, values) -> list[Problem]:
    if not value:
        if name in ("SMTP_PASSWORD", "SMS_ACCESS_KEY_SECRET"):
            return []  # optional: required only with the backend that uses it (_mail_problems)
        return [Problem("SETTING_REQUIRED", f"{name} 未设置，请设置（或用 {name}_FILE 指向密钥文件）",
                        name)]
    if value == default or DEV_MARKER.search(value) or value.lower() in DEV_VALUES:
        return [Problem("SETTING_DEV_DEFAULT",
                        f"{name} 是开发用的默认值，任何人都能在代码库里看到，请换成随机生成的值", name)]
    if name == "PII_KEY":
        try:
            size = len(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            return [Problem("KEY_MALFORMED",
                            "PII_KEY 不是 base64 编码，请用 openssl rand -base64 32 生成", name)]
        return [] if size >= minimum else [Problem(
            "KEY_TOO_SHORT", f"PII_KEY 解码后只有 {size} 字节，至少需要 {minimum} 字节"
                             "（openssl rand -base64 32）", name)]
    if name == "JWT_KEY" and not str(values.get("JWT_ALGORITHMS", "HS256")).upper().startswith("HS"):
        return [] if "-----BEGIN PUBLIC KEY-----" in value else [Problem(
            "KEY_MALFORMED", "JWT_ALGORITHMS 为非对称算法时，JWT_KEY 应是平台签名密钥对应的 PEM 公钥",
            name)]
    if len(value) < minimum:
        return [Problem("KEY_TOO_SHORT",
                        f"{name} 只有 {len(value)} 个字符，至少需要 {minimum} 个"
                        "（如 openssl rand -hex 32）", name)]
    return []


def _url_problems(name, url, password_var, default) -> list[Problem]:
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        return [Problem("DATABASE_NOT_POSTGRES",
                        f"{name} 指向 SQLite 文件，仅供单机开发；生产环境请用 PostgreSQL", name)]
    if url == default or _is_local(parts.hostname or ""):
        return [Problem("ADDRESS_LOCAL",
                        f"{name} 指向本容器自己（{parts.hostname or '无主机名'}），"
                        "请写部署中服务的主机名（如 postgres、rabbitmq）", name)]
    password = parts.password or ""
    if not password:
        return []  # none in the URL: it comes from a file, checked as its own variable
    if password.lower() in DEV_VALUES or DEV_MARKER.search(password):
        return [Problem("SETTING_DEV_DEFAULT",
                        f"{name} 里的密码是开发用的默认值，请换成随机生成的密码", name)]
    minimum = SECRETS["DATABASE_PASSWORD" if "DATABASE" in password_var else password_var]
    if len(password) < minimum:
        return [Problem("KEY_TOO_SHORT", f"{name} 里的密码只有 {len(password)} 个字符，"
                                         f"至少需要 {minimum} 个", name)]
    return []


def _public_url_problems(name, value) -> list[Problem]:
    if not value:
        return [Problem("SETTING_REQUIRED",
                        f"{name} 未设置：它是申报人和群众从外部访问的地址（https://域名…），请设置", name)]
    parts = urlsplit(value if "//" in value else f"//{value}")
    if parts.scheme != "https":
        return [Problem("ADDRESS_NOT_HTTPS",
                        f"{name} 应以 https:// 开头：浏览器经 TLS 反向代理访问，明文地址会泄露身份证件", name)]
    if not parts.hostname:
        return [Problem("ADDRESS_MALFORMED", f"{name} 不是完整的地址（https://主机名/…）", name)]
    if _is_local(parts.hostname):
        return [Problem("ADDRESS_LOCAL",
                        f"{name} 指向本机（{parts.hostname}），打印的二维码和消息里的链接在别处打不开，"
                        "请写对外的域名", name)]
    return []


def _mail_problems(values, resolve) -> list[Problem]:
    found = []
    if values.get("MAIL_BACKEND") == "smtp" and "SMTP_HOST" in values:
        host = values["SMTP_HOST"]
        if not host or _is_local(host):
            found.append(Problem("ADDRESS_LOCAL",
                                 f"SMTP_HOST 指向本容器自己（{host or '空'}），请写邮件中继的主机名",
                                 "SMTP_HOST"))
        else:
            try:
                resolve(host)
            except OSError:
                found.append(Problem("HOST_UNDEFINED",
                                     f"SMTP_HOST={host}：本部署中找不到这个主机（mailpit 只在 --profile dev "
                                     "时存在），请写真实的邮件中继，或设 MAIL_BACKEND=log", "SMTP_HOST"))
    if values.get("MAIL_BACKEND") == "smtp" and "MAIL_FROM" in values \
            and _is_local(values["MAIL_FROM"].rpartition("@")[2]):
        found.append(Problem("ADDRESS_LOCAL", "MAIL_FROM 的域名是 localhost，收件方会拒收，请写本单位的发信地址",
                             "MAIL_FROM"))
    if values.get("SMS_BACKEND") == "aliyun":
        found += [Problem("SETTING_REQUIRED", f"SMS_BACKEND=aliyun 需要 {name}", name)
                  for name in ("SMS_ACCESS_KEY_ID", "SMS_ACCESS_KEY_SECRET", "SMS_SIGN_NAME")
                  if not values.get(name)]
    return found


def _is_local(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


# --- which values a process is checked on --------------------------------------------------------

NAMEKO_DEFAULT = re.compile(r"\$\{([A-Z][A-Z0-9_]*):([^}]*)\}")
CHECKED = set(SECRETS) | set(URL_PASSWORDS) | set(PUBLIC_URLS) | {"S3_ACCESS_KEY",
    "MAIL_BACKEND", "SMTP_HOST", "MAIL_FROM", "SMS_BACKEND", "SMS_ACCESS_KEY_ID", "SMS_SIGN_NAME",
    "JWT_ALGORITHMS", "CLOCK_OFFSET_FILE", "DRILL"}


def service_of(argv: list[str]) -> str | None:
    """The service a `nameko run … <svc>.service:<Class>` command runs, else None."""
    from plumbing.config import SERVICES

    if argv[:2] != ["nameko", "run"] or len(argv) < 3:
        return None
    name = argv[-1].split(".")[0]
    return name if name in SERVICES else None


def config_defaults(service: str) -> dict[str, str]:
    """What the service's config.yml falls back to for each variable (`${VAR:default}`)."""
    from plumbing import config as cfg

    path = os.environ.get(f"{service.upper()}_CONFIG") or cfg.config_path(service)
    return dict(NAMEKO_DEFAULT.findall(Path(path).read_text(encoding="utf-8")))


def values_for(service: str | None, environ: Mapping[str, str]) -> dict:
    """A service is checked on its whole resolved config (an unset secret falls back to a default
    that is then refused) and the checked variables it was given; any other command on the
    variables it was given."""
    given = {k: v for k, v in environ.items()
             if k in CHECKED or k.endswith(("_DATABASE_URL", "_DATABASE_PASSWORD"))}
    if service is None:
        return given
    from plumbing import config as cfg

    # Read from the environment rather than config.yml (notify's PORTAL_URL): checked as given.
    return {**given, **{k: v for k, v in cfg.load(service).items() if k in CHECKED}}


def report(problems_found: list[Problem], what: str) -> str:
    width = max(len(p.field or "") for p in problems_found)
    lines = [f"titles: {what} 的部署设置不安全，拒绝启动（TITLES_ENV=production/drill；"
             "见 docs/operations.md「密钥与设置」）："]
    lines += [f"  {p.field:<{width}}  {p.code}: {p.message}" for p in problems_found]
    return "\n".join(lines)


def enforce(environ: MutableMapping[str, str], service: str | None, what: str,
            check: bool = True) -> int:
    """`apply`, then in production (and when `check`) `problems`: 0 when the process may start,
    else EX_CONFIG after printing one line per variable on stderr."""
    try:
        apply(environ)
    except SettingsError as exc:
        print(report(exc.problems, what), file=sys.stderr)
        return EX_CONFIG
    if not check or not is_production(environ):
        return 0
    found = problems(values_for(service, environ),
                     config_defaults(service) if service else None,
                     drill=mode(environ) == DRILL)
    if found:
        print(report(found, what), file=sys.stderr)
        return EX_CONFIG
    return 0


def main(argv: list[str]) -> int:
    """The image's entrypoint: check, then become the command (`exec`, so signals reach it)."""
    if not argv:
        print("usage: python -m plumbing.settings COMMAND [ARG…]", file=sys.stderr)
        return 64
    service = service_of(argv)
    status = enforce(os.environ, service, service or " ".join(argv[:2]))
    if status:
        return status
    os.execvp(argv[0], argv)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
