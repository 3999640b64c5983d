"""RPC contracts: the synchronous calls between services (ARCHITECTURE.md §2).

Events carry facts; RPC is only for intake asking another service something while a frontend
request waits. Each entry names the method, its arguments and what it answers; a `Refusal`
crosses RPC whole (`plumbing.rpc`). Each service's section is kept by that service's owners.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Method:
    service: str
    name: str
    args: tuple[str, ...]
    doc: str


# ---- review ----------------------------------------------------------------------------------

REVIEW_VISIBLE = Method(
    "review", "visible", ("role", "org_id", "application_id"),
    "True when a department reviewer, committee secretary or expert acting for `org_id` may "
    "see the application (DOMAIN.md §9: its subtree, its committee, its assigned applications).")

REVIEW_LIST_TASKS = Method(
    "review", "list_tasks", ("org_id",),
    "The review tasks of an organisation, oldest first.")


# ---- notify ----------------------------------------------------------------------------------

NOTIFY_ATTEMPTS = Method(
    "notify", "attempts", ("application_id",),
    "Every send and attempt about an application: template, channel, masked recipient, status, "
    "times, provider answer (issue #6: \"was I told?\").")

NOTIFY_RESEND = Method(
    "notify", "resend", ("send_id",),
    "Send a `failed` or `dead` notification again with a fresh retry budget (what replaying its "
    "dead letter does); answers {send_id, status}; SEND_UNKNOWN for no such send.")

NOTIFY_DEAD_LETTERS = Method(
    "notify", "dead_letters", (),
    "Every notification that could not be delivered (`failed` or `dead`), newest first.")

NOTIFY_SAVE_TEMPLATE = Method(
    "notify", "save_template", ("event", "channel", "body", "subject", "template_code", "by"),
    "An administrator changes one template; refused (TEMPLATE_INVALID, every problem) when it "
    "uses a variable its event does not provide. Answers the template as `template` does.")

NOTIFY_TEMPLATE = Method(
    "notify", "template", ("event", "channel"),
    "The template in use for an event and channel, and the variables it may use.")


# ---- documents -------------------------------------------------------------------------------
