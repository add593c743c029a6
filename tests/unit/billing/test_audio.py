"""billing.audio: the Realtime/audio formula, exact to the quota unit."""

from __future__ import annotations

from fractions import Fraction

from clawrouter.billing.audio import AudioSettlement, settle_audio_quota
from clawrouter.billing.pricing import Price, settle_quota
from clawrouter.wire.usage import Usage

QPU = 500_000


def token_price(**kw) -> Price:
    base = dict(model="m", per_call=False, model_price=-1.0, model_ratio=2.5, group_ratio=1.0,
                completion_ratio=4.0, audio_ratio=8.0, audio_completion_ratio=2.0)  # fmt: skip
    return Price(**{**base, **kw})


def test_text_and_audio_tokens_each_at_their_ratio():
    usage = Usage(prompt_tokens=100, completion_tokens=50, audio_tokens=60,
                  audio_completion_tokens=30)  # fmt: skip
    s = settle_audio_quota(token_price(), usage, quota_per_unit=QPU)
    assert isinstance(s, AudioSettlement)
    assert s.quota == (40 + 20 * 4 + 60 * 8 + 30 * 8 * 2) * 5 // 2 == 2700
    other = s.log_other()
    assert other["audio"] and (other["audio_input"], other["audio_output"]) == (60, 30)
    assert (other["text_input"], other["text_output"]) == (40, 20)


def test_decimal_ratios_are_exact_and_rounded_once_half_up():
    price = token_price(model_ratio=0.3, audio_ratio=16.666666666666668, group_ratio=0.7)
    usage = Usage(prompt_tokens=3, completion_tokens=0, audio_tokens=3)
    s = settle_audio_quota(price, usage, quota_per_unit=QPU)
    exact = 3 * Fraction("16.666666666666668") * Fraction("0.3") * Fraction("0.7")
    assert s.exact == exact and s.quota == int(exact + Fraction(1, 2))


def test_minimum_one_and_nothing_for_no_usage_or_a_free_model():
    tiny = Usage(prompt_tokens=1)
    assert settle_audio_quota(token_price(model_ratio=0.0001), tiny, quota_per_unit=QPU).quota == 1
    assert settle_audio_quota(token_price(), Usage(), quota_per_unit=QPU).quota == 0
    assert settle_audio_quota(token_price(group_ratio=0), tiny, quota_per_unit=QPU).quota == 0


def test_audio_counts_never_exceed_their_totals():
    usage = Usage(prompt_tokens=10, completion_tokens=5, audio_tokens=99,
                  audio_completion_tokens=99)  # fmt: skip
    s = settle_audio_quota(token_price(), usage, quota_per_unit=QPU)
    assert (s.text_input, s.audio_input, s.text_output, s.audio_output) == (0, 10, 0, 5)
    assert s.quota == (10 * 8 + 5 * 8 * 2) * 5 // 2


def test_per_call_prices_charge_the_call():
    price = Price("m", True, 0.02, 0.0, 1.0, completion_ratio=0, audio_ratio=0,
                  audio_completion_ratio=0)  # fmt: skip
    usage = Usage(prompt_tokens=10, audio_tokens=10)
    expected = settle_quota(price, usage, quota_per_unit=QPU).quota
    assert settle_audio_quota(price, usage, quota_per_unit=QPU).quota == expected == 10_000
