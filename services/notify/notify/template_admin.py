"""Templates (administrator): the text of each notice per channel, changed only with the
variables its event provides (defaults: notify/templates/*.yml)."""
from __future__ import annotations


from contracts.errors import Refusal
from notify import dependencies, store
from notify.templates import Template, check_template
from plumbing.rpc import refusals_as_data, rpc


class TemplateAdmin:
    """save_template, template."""

    db, clock, catalogue = dependencies.db, dependencies.clock, dependencies.catalogue

    @rpc
    @refusals_as_data
    def save_template(self, event: str, channel: str, body: str, subject: str | None = None,
                      template_code: str | None = None, by: str | None = None) -> dict:
        """Change the template of `event` on `channel`; refused (every problem at once) when it
        uses a variable the event does not provide, or is otherwise broken."""
        if event not in self.catalogue.variables:
            raise Refusal("TEMPLATE_EVENT_UNKNOWN",
                          f"没有名为“{event}”的通知；可选：{'、'.join(sorted(self.catalogue.variables))}",
                          404, "event")
        template = Template(event, channel, body, subject if channel == "email" else None,
                            template_code if channel == "sms" else None)
        problems = check_template(template, self.catalogue.allowed_variables(event))
        if problems:
            raise Refusal.of(problems, code="TEMPLATE_INVALID",
                             message="通知模板有误，请按列出的问题修改后再保存")
        with self.db.transaction() as tx:
            store.replace_template(tx.session, template, by, self.clock())
        return self.template(event, channel)

    @rpc
    @refusals_as_data
    def template(self, event: str, channel: str) -> dict:
        """The template in use (an administrator's change, else the default) and its
        variables."""
        if (event, channel) not in self.catalogue.templates:
            raise Refusal("TEMPLATE_UNKNOWN", f"没有通知模板 {event}/{channel}", 404)
        with self.db.session() as session:
            t = store.template_in_use(session, self.catalogue, event, channel)
        return {"event": event, "channel": channel, "subject": t.subject, "body": t.body,
                "template_code": t.template_code,
                "variables": dict(self.catalogue.variables[event])}
