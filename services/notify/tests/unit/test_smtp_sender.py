"""SmtpSender against a real local SMTP server (aiosmtpd) that answers 250, 451 and 550."""
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from notify.channels import PermanentFailure, SmtpSender, TransientFailure


class Handler:
    """Recipients choose the answer: busy@ -> 451, nobody@ -> 550, rejectdata@ -> 554 at DATA."""

    def __init__(self):
        self.received = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("busy@"):
            return "451 4.3.0 Mailbox busy, try again later"
        if address.startswith("nobody@"):
            return f"550 5.1.1 <{address}>: user unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(r.startswith("rejectdata@") for r in envelope.rcpt_tos):
            return "554 5.6.0 Message rejected"
        self.received.append(envelope.content)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server():
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


def sender_for(port, timeout=5.0) -> SmtpSender:
    return SmtpSender("127.0.0.1", port, mail_from="zhicheng@example.gov.cn", timeout=timeout)


def test_accepted_mail_arrives_with_utf8_subject_encoded(server):
    controller, handler = server
    sender_for(controller.port).send("zhangsan@example.com", "【职称评审】请补充材料", "请于 48 小时内补充。")
    (raw,) = handler.received
    assert b"Subject: =?utf-8?" in raw  # RFC 2047, not raw UTF-8 in a header
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "【职称评审】请补充材料"
    assert msg.get_content().splitlines() == ["请于 48 小时内补充。"]
    assert msg["Message-ID"].endswith("@example.gov.cn>")


def test_451_reply_is_transient(server):
    controller, _ = server
    with pytest.raises(TransientFailure) as caught:
        sender_for(controller.port).send("busy@example.com", "主题", "正文")
    assert caught.value.code == "SMTP_451"


def test_550_reply_is_permanent_and_its_detail_is_masked(server):
    controller, _ = server
    with pytest.raises(PermanentFailure) as caught:
        sender_for(controller.port).send("nobody@example.com", "主题", "正文")
    assert caught.value.code == "SMTP_550"
    assert "n***@example.com" in caught.value.detail and "nobody@" not in caught.value.detail


def test_5xx_at_data_is_permanent(server):
    controller, _ = server
    with pytest.raises(PermanentFailure) as caught:
        sender_for(controller.port).send("rejectdata@example.com", "主题", "正文")
    assert caught.value.code == "SMTP_554"


def test_refused_connection_is_transient():
    with pytest.raises(TransientFailure) as caught:
        sender_for(free_port()).send("zhangsan@example.com", "主题", "正文")
    assert caught.value.code == "SMTP_CONNECTION"


def test_server_that_never_greets_times_out_as_transient():
    with socket.socket() as silent:  # listens, never accepts, never says 220
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        with pytest.raises(TransientFailure) as caught:
            sender_for(silent.getsockname()[1], timeout=0.3).send("a@example.com", "主题", "正文")
    assert caught.value.code == "SMTP_TIMEOUT"


def test_address_with_line_break_is_permanent_without_connecting():
    with pytest.raises(PermanentFailure) as caught:
        sender_for(free_port()).send("a@example.com\r\nBcc: b@example.com", "主题", "正文")
    assert caught.value.code == "EMAIL_INVALID"
