"""The public verify endpoint's pure parts (intake/http/public.py, R-5.1): code format, masked
name, per-client rate limit (intake/http/ratelimit.py)."""
import pytest

from contracts.errors import Refusal
from contracts.people import mask_name
from intake.http.public import normalise_code
from intake.http.ratelimit import TokenBuckets, client_address, networks


@pytest.mark.parametrize("raw, code", [("AB3CD-EF4GH", "AB3CD-EF4GH"), ("ab3cd-ef4gh", "AB3CD-EF4GH"),
                                       ("AB3CDEF4GH", "AB3CD-EF4GH"), (" AB3CD-EF4GH ", "AB3CD-EF4GH")])
def test_code_as_printed_or_typed_is_accepted(raw, code):
    assert normalise_code(raw) == code


@pytest.mark.parametrize("raw", ["", "AB3CD-EF4G", "AB0CD-EF4GH", "AB1CD-EF4GH", "ABICD-EF4GH",
                                 "' OR 1=1 --", "AB3CD-EF4GH-XX", "A" * 500])
def test_malformed_code_is_refused_before_any_lookup(raw):
    with pytest.raises(Refusal) as refused:
        normalise_code(raw)
    assert refused.value.code == "VERIFICATION_CODE_MALFORMED" and refused.value.status == 400
    assert "验证码" in refused.value.message


@pytest.mark.parametrize("name, masked", [("张三", "张*"), ("阿依古丽·买买提", "阿*******"),
                                          ("王", "*"), ("", "")])
def test_only_the_surname_is_shown(name, masked):
    assert mask_name(name) == masked


class FakeTime:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_burst_then_refused_with_the_wait_then_refilled():
    clock = FakeTime()
    buckets = TokenBuckets(per_second=0.5, burst=3, now=clock)
    assert [buckets.take("1.2.3.4") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("1.2.3.4") == pytest.approx(2.0)
    assert buckets.take("5.6.7.8") == 0  # another client has its own budget
    clock.t += 2.0
    assert buckets.take("1.2.3.4") == 0


def test_memory_is_bounded_by_forgetting_the_least_recent_client():
    buckets = TokenBuckets(per_second=1, burst=1, max_clients=2, now=FakeTime())
    for client in ("a", "b", "c"):
        buckets.take(client)
    assert list(buckets._buckets) == ["b", "c"]


@pytest.mark.parametrize("remote, real_ip, counted", [
    ("172.18.0.9", "203.0.113.7", "203.0.113.7"),   # through the proxy: the client it names
    ("203.0.113.8", "198.51.100.1", "203.0.113.8"),  # straight in: a header proves nothing
    ("172.18.0.9", None, "172.18.0.9"),
    (None, None, "unknown"),
])
def test_behind_a_trusted_proxy_each_client_has_its_own_budget(remote, real_ip, counted):
    assert client_address(remote, real_ip, networks("10.0.0.0/8, 172.16.0.0/12")) == counted
