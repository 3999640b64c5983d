"""Notification templates (通知模板): one per event and channel, editable by an administrator.

The defaults live in `templates/<event>.yml`, each naming the variables the event provides (with
a Chinese description an administrator can read) and an `email` (subject + body) and an `sms`
(text + the provider's `template_code`) template. An administrator may change a template; before
it is saved, `check_template` refuses a placeholder the event does not provide, so a typo is
caught at the desk and not at 2 a.m. when the reminder is due.

Placeholders are plain `{name}` fields and nothing else: no `{a.b}`, `{a[0]}`, `{a!r}` or
`{a:>10}`. `str.format` would let an edited template walk attributes of the values passed in
(`{x.__class__.__init__.__globals__}`); here the text is parsed with `string.Formatter.parse`
and substituted by hand, so a template can only ever read the variables it was given.
"""
from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from contracts.errors import Problem, Refusal

CHANNELS = ("email", "sms")
DEFAULTS_DIR = Path(__file__).with_name("templates")

_PARSER = string.Formatter()
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Template:
    """One template of one event on one channel.

    For email, `subject` and `body`. For sms, `body` is the text as approved by the provider and
    `template_code` the provider's id of it: the provider sends its own copy with our params, so
    changing the text here without a newly approved code changes only what we log and show.
    """

    event: str
    channel: str
    body: str
    subject: str | None = None
    template_code: str | None = None


@dataclass(frozen=True)
class Message:
    """A rendered template, ready for a sender. `params` are the SMS template's variables."""

    event: str
    channel: str
    body: str
    subject: str | None = None
    template_code: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalogue:
    """The default templates and, per event, the variables it provides (name -> description)."""

    variables: Mapping[str, Mapping[str, str]]
    templates: Mapping[tuple[str, str], Template]

    def allowed_variables(self, event: str) -> frozenset[str]:
        return frozenset(self.variables[event])

    def template(self, event: str, channel: str) -> Template:
        return self.templates[(event, channel)]


# --- placeholders -------------------------------------------------------------------------------

def _fields(text: str) -> tuple[list[str], list[str]]:
    """The plain placeholder names in `text`, and the unsafe ones (as written), in order.

    Raises ValueError for unbalanced braces (what `string.Formatter.parse` raises).
    """
    names: list[str] = []
    unsafe: list[str] = []
    for _literal, name, spec, conversion in _PARSER.parse(text):
        if name is None:
            continue
        if _NAME.match(name) and not spec and conversion is None:
            names.append(name)
        else:
            unsafe.append("{" + name + (f"!{conversion}" if conversion else "")
                          + (f":{spec}" if spec else "") + "}")
    return names, unsafe


def validate_template(event: str, channel: str, text: str, allowed_variables,
                      part: str = "body") -> list[Problem]:
    """Everything wrong with one template text, all at once (N-8.5 applies to staff too).

    `part` is "subject" or "body" (an email has both) and ends the field path.
    """
    where = f"templates.{event}.{channel}.{part}"
    if channel not in CHANNELS:
        return [Problem("TEMPLATE_CHANNEL_UNKNOWN",
                        f"通知渠道“{channel}”不存在，只能是 email 或 sms", f"templates.{event}")]
    if not (text or "").strip():
        return [Problem("TEMPLATE_EMPTY", "模板内容不能为空", where)]
    try:
        names, unsafe = _fields(text)
    except ValueError:
        return [Problem("TEMPLATE_SYNTAX_INVALID",
                        "模板中的花括号不成对；变量写作 {变量名}，普通花括号请写成 {{ 或 }}", where)]
    problems = [Problem("TEMPLATE_PLACEHOLDER_UNSAFE",
                        f"占位符 {p} 不允许：只能写 {{变量名}}，不能带“.”“[]”“!”或“:”", where)
                for p in dict.fromkeys(unsafe)]
    allowed = set(allowed_variables)
    problems += [Problem("TEMPLATE_VARIABLE_UNKNOWN",
                         f"变量 {{{n}}} 不是此通知提供的变量；可用的变量：{'、'.join(sorted(allowed))}",
                         where)
                 for n in dict.fromkeys(names) if n not in allowed]
    if part == "subject" and ("\n" in text or "\r" in text):
        problems.append(Problem("TEMPLATE_SUBJECT_MULTILINE", "邮件标题只能有一行", where))
    return problems


def check_template(template: Template, allowed_variables) -> list[Problem]:
    """Every problem of a whole template (subject, body, provider code) before it is saved."""
    problems = []
    if template.channel == "email":
        problems += validate_template(template.event, "email", template.subject or "",
                                      allowed_variables, part="subject")
    elif template.channel == "sms" and not (template.template_code or "").strip():
        problems.append(Problem("TEMPLATE_CODE_MISSING", "短信模板须填写服务商审核通过的模板编号",
                                f"templates.{template.event}.sms.template_code"))
    return problems + validate_template(template.event, template.channel, template.body,
                                        allowed_variables)


# --- rendering ----------------------------------------------------------------------------------

def _as_text(value) -> str:
    """Lists render as numbered lines: a list of problems (N-8.5) reads as a list in a mail."""
    if isinstance(value, (list, tuple)):
        return "\n".join(f"{i}. {item}" for i, item in enumerate(value, 1))
    return str(value)


def _substitute(text: str, values: Mapping[str, str]) -> str:
    return "".join(literal + (values[name] if name is not None else "")
                   for literal, name, _spec, _conv in _PARSER.parse(text))


def render(template: Template, variables: Mapping[str, object]) -> Message:
    """Fill `template` with `variables`; every placeholder must have a value (not None).

    Raises Refusal TEMPLATE_VARIABLE_MISSING naming every missing variable, or
    TEMPLATE_PLACEHOLDER_UNSAFE for a stored template that bypassed `check_template`.
    """
    texts = [t for t in (template.subject, template.body) if t is not None]
    names: list[str] = []
    for text in texts:
        found, unsafe = _fields(text)
        if unsafe:
            raise Refusal("TEMPLATE_PLACEHOLDER_UNSAFE",
                          f"通知模板 {template.event}/{template.channel} 含不允许的占位符 {unsafe[0]}",
                          500, f"templates.{template.event}.{template.channel}")
        names += found
    missing = [n for n in dict.fromkeys(names) if variables.get(n) is None]
    if missing:
        problems = [Problem("TEMPLATE_VARIABLE_MISSING",
                            f"通知 {template.event}/{template.channel} 缺少变量 {n} 的值",
                            f"variables.{n}") for n in missing]
        raise Refusal.of(problems, status=500, code="TEMPLATE_VARIABLE_MISSING",
                         message=f"通知 {template.event}/{template.channel} 缺少变量："
                                 + "、".join(missing))
    values = {n: _as_text(variables[n]) for n in names}
    subject = None
    if template.subject is not None:
        # One line, whatever the values hold: a newline in a header is a header injection.
        subject = " ".join(_substitute(template.subject, values).split())
    params = {}
    if template.channel == "sms":
        params = {n: values[n] for n in _fields(template.body)[0]}
    return Message(template.event, template.channel, _substitute(template.body, values),
                   subject, template.template_code, params)


# --- defaults -----------------------------------------------------------------------------------

def _templates_of(event: str, data: dict) -> list[Template]:
    email, sms = data["email"], data["sms"]
    return [Template(event, "email", email["body"], subject=email["subject"]),
            Template(event, "sms", sms["text"], template_code=sms["template_code"])]


def load_catalogue(directory: Path = DEFAULTS_DIR) -> Catalogue:
    """Read every `<event>.yml` under `directory`; a broken default fails loudly at start-up."""
    variables: dict[str, dict[str, str]] = {}
    templates: dict[tuple[str, str], Template] = {}
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        event = path.stem
        if data.get("event") != event:
            raise ValueError(f"{path}: event {data.get('event')!r} does not match the file name")
        variables[event] = dict(data["variables"])
        for template in _templates_of(event, data):
            problems = check_template(template, variables[event])
            if problems:
                raise ValueError(f"{path}: " + "; ".join(p.message for p in problems))
            templates[(event, template.channel)] = template
    return Catalogue(variables, templates)


@cache
def default_catalogue() -> Catalogue:
    return load_catalogue()
