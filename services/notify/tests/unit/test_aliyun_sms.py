"""AliyunSms: the RPC signature against Aliyun's documented example, the request, and the
classification of answers into success, transient and permanent failures."""
import json
from datetime import datetime, timezone
from urllib.parse import parse_qsl

import pytest
import requests

from notify.channels import (
    AliyunSms, PermanentFailure, TransientFailure, aliyun_signature, classify_sms_response,
    percent_encode, string_to_sign)
from notify.templates import Message

# The worked example of Aliyun's "HTTP 协议及签名" page for SendSms (AccessKeySecret testSecret).
DOC_PARAMS = {
    "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
    "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}', "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}


def test_signature_matches_aliyun_documented_example():
    assert aliyun_signature("testSecret", "GET", DOC_PARAMS) == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_string_to_sign_is_method_slash_and_encoded_sorted_query():
    sts = string_to_sign("GET", DOC_PARAMS)
    assert sts.startswith("GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26")
    # Values are encoded twice: once in the query, once as a whole.
    assert "%26SignName%3D%25E9%2598%25BF%25E9%2587%258C" in sts
    assert "%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25" in sts


def test_percent_encoding_follows_pop_rules():
    assert percent_encode("a b*c~d/é") == "a%20b%2Ac~d%2F%C3%A9"


class FakeResponse:
    def __init__(self, status_code, payload):
        self.status_code, self._payload = status_code, payload

    def json(self):
        if self._payload is None:
            raise ValueError("not JSON")
        return self._payload


class FakePost:
    def __init__(self, response=None, raises=None):
        self.response, self.raises, self.calls = response, raises, []

    def __call__(self, url, **kwargs):
        self.calls.append((url, kwargs))
        if self.raises:
            raise self.raises
        return self.response


def make_sms(post) -> AliyunSms:
    return AliyunSms("https://sms.example/", "key-id", "key-secret", "职称评审", timeout=3,
                     post=post, clock=lambda: datetime(2019, 10, 20, 10, 0, tzinfo=timezone.utc),
                     nonce=lambda: "nonce-1")


def test_send_posts_a_signed_form_and_returns_the_bizid():
    post = FakePost(FakeResponse(200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0"}))
    biz_id = make_sms(post).send("13812345678", "SMS_RETURNED", {"applicant_name": "张三"})
    assert biz_id == "900619746936498440^0"
    (url, kwargs), = post.calls
    assert url == "https://sms.example/" and kwargs["timeout"] == 3
    form = dict(parse_qsl(kwargs["data"].decode("ascii")))
    assert form["PhoneNumbers"] == "13812345678"
    assert form["SignName"] == "职称评审" and form["TemplateCode"] == "SMS_RETURNED"
    assert json.loads(form["TemplateParam"]) == {"applicant_name": "张三"}
    assert form["Timestamp"] == "2019-10-20T10:00:00Z"
    signature = form.pop("Signature")
    assert signature == aliyun_signature("key-secret", "POST", form)


def test_send_message_uses_template_code_and_params():
    post = FakePost(FakeResponse(200, {"Code": "OK", "BizId": "1"}))
    message = Message("abandoned", "sms", "正文", template_code="SMS_ABANDONED",
                      params={"deadline": "10月20日"})
    make_sms(post).send_message("13812345678", message)
    form = dict(parse_qsl(post.calls[0][1]["data"].decode("ascii")))
    assert (form["TemplateCode"], form["TemplateParam"]) == ("SMS_ABANDONED", '{"deadline":"10月20日"}')


@pytest.mark.parametrize("status, payload", [
    (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发号码天级流控"}),
    (200, {"Code": "isv.DAY_LIMIT_CONTROL"}),
    (200, {"Code": "Throttling.User"}),
    (200, {"Code": "isp.SYSTEM_ERROR"}),
    (503, {"Code": "ServiceUnavailable"}),
    (502, None),
    (429, None),
    (200, None),
])
def test_throttling_provider_errors_and_5xx_are_transient(status, payload):
    with pytest.raises(TransientFailure):
        classify_sms_response(status, payload)


@pytest.mark.parametrize("status, payload", [
    (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL"}),
    (200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL"}),
    (200, {"Code": "isv.TEMPLATE_MISSING_PARAMETERS"}),
    (200, {"Code": "isv.AMOUNT_NOT_ENOUGH"}),
    (400, {"Code": "SignatureDoesNotMatch"}),
    (404, None),
])
def test_caller_errors_are_permanent(status, payload):
    with pytest.raises(PermanentFailure) as caught:
        classify_sms_response(status, payload)
    assert caught.value.code == (payload["Code"] if payload else f"HTTP_{status}")


def test_failure_detail_masks_the_number():
    with pytest.raises(PermanentFailure) as caught:
        classify_sms_response(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL",
                                    "Message": "invalid mobile 13812345678"})
    assert caught.value.detail == "invalid mobile 138****5678"


@pytest.mark.parametrize("error, code", [
    (requests.Timeout("read timed out"), "SMS_TIMEOUT"),
    (requests.ConnectionError("refused"), "SMS_CONNECTION"),
])
def test_timeouts_and_connection_errors_are_transient(error, code):
    with pytest.raises(TransientFailure) as caught:
        make_sms(FakePost(raises=error)).send("13812345678", "SMS_1", {})
    assert caught.value.code == code
