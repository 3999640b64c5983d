"""make_senders: senders built from the service configuration; LogSender logs masked."""
import logging

import pytest

from notify.channels import AliyunSms, LogSender, SmtpSender, make_senders
from notify.templates import Message


def test_log_backends_are_the_default():
    senders = make_senders({})
    assert isinstance(senders["email"], LogSender) and isinstance(senders["sms"], LogSender)


def test_smtp_and_aliyun_from_config_with_string_flags():
    senders = make_senders({
        "MAIL_BACKEND": "smtp", "SMTP_HOST": "mail.example", "SMTP_PORT": "587",
        "SMTP_STARTTLS": "true", "SMTP_SSL": "false", "SMTP_USER": "", "MAIL_FROM": "a@example",
        "SMS_BACKEND": "aliyun", "SMS_ENDPOINT": "", "SMS_ACCESS_KEY_ID": "id",
        "SMS_ACCESS_KEY_SECRET": "secret", "SMS_SIGN_NAME": "职称评审"})
    email, sms = senders["email"], senders["sms"]
    assert isinstance(email, SmtpSender) and isinstance(sms, AliyunSms)
    assert (email.port, email.starttls, email.ssl, email.user) == (587, True, False, None)
    assert sms.endpoint == "https://dysmsapi.aliyuncs.com/"


@pytest.mark.parametrize("config, complaint", [
    ({"MAIL_BACKEND": "sendmail"}, "MAIL_BACKEND"),
    ({"SMS_BACKEND": "aliyun", "SMS_ACCESS_KEY_ID": "id"}, "SMS_ACCESS_KEY_SECRET, SMS_SIGN_NAME"),
    ({"MAIL_BACKEND": "smtp", "SMTP_HOST": "h", "MAIL_FROM": "a@b", "SMTP_SSL": True,
      "SMTP_STARTTLS": True}, "exclude"),
    ({"MAIL_BACKEND": "smtp", "SMTP_HOST": "h", "MAIL_FROM": "a@b", "SMTP_SSL": "maybe"}, "yes/no"),
])
def test_bad_configuration_is_refused_at_start(config, complaint):
    with pytest.raises(ValueError, match=complaint):
        make_senders(config)


def test_log_sender_masks_the_address_and_numbers_in_the_text(caplog):
    message = Message("returned", "sms", "请致电 13987654321 咨询", template_code="SMS_1")
    with caplog.at_level(logging.INFO, logger="notify.channels"):
        LogSender("sms").send_message("13812345678", message)
    assert "138****5678" in caplog.text and "139****4321" in caplog.text
    assert "13812345678" not in caplog.text and "13987654321" not in caplog.text


def test_log_sender_takes_the_smtp_sender_call(caplog):
    with caplog.at_level(logging.INFO, logger="notify.channels"):
        LogSender("email").send("zhangsan@example.com", "【职称评审】主题", "正文")
    assert "z***@example.com: [【职称评审】主题] 正文" in caplog.text
