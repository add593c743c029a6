"""Quota for calls that carry audio tokens (the Realtime API; the reference's
PostAudioConsumeQuota and PostWssConsumeQuota), pure like billing.pricing:

    quota = (text_in + text_out × completion_ratio + audio_in × audio_ratio
             + audio_out × audio_ratio × audio_completion_ratio) × model_ratio × group_ratio

exact (each ratio taken as the decimal it is written as), rounded once, half up; any non-free
usage costs at least 1. Cached input is billed as plain input, as in the reference. A per-call
price charges the call, as every per-call model does.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from clawrouter.billing.pricing import Price, Settlement, round_quota, settle_quota
from clawrouter.billing.ratios import as_fraction
from clawrouter.wire.usage import Usage


@dataclass(slots=True)
class AudioSettlement(Settlement):
    """A settlement whose log row also names the text/audio split and the audio ratios."""

    text_input: int = 0
    text_output: int = 0
    audio_input: int = 0
    audio_output: int = 0

    def log_other(self) -> dict[str, Any]:
        other = Settlement.log_other(self)
        other.update(
            audio=True,
            text_input=self.text_input,
            text_output=self.text_output,
            audio_input=self.audio_input,
            audio_output=self.audio_output,
            audio_ratio=self.price.audio_ratio,
            audio_completion_ratio=self.price.audio_completion_ratio,
        )
        return other


def settle_audio_quota(price: Price, usage: Usage, *, quota_per_unit: int) -> Settlement:
    """The charge for one call (or one Realtime turn) with text and audio tokens."""
    if price.per_call:
        return settle_quota(price, usage, quota_per_unit=quota_per_unit)
    prompt, completion = max(usage.prompt_tokens, 0), max(usage.completion_tokens, 0)
    audio_in = min(max(usage.audio_tokens, 0), prompt)
    audio_out = min(max(usage.audio_completion_tokens, 0), completion)
    text_in, text_out = prompt - audio_in, completion - audio_out
    audio = as_fraction(price.audio_ratio)
    units = (
        text_in
        + text_out * as_fraction(price.completion_ratio)
        + audio_in * audio
        + audio_out * audio * as_fraction(price.audio_completion_ratio)
    )
    exact = Fraction(units) * as_fraction(price.model_ratio) * as_fraction(price.group_ratio)
    quota, saturated = round_quota(exact)
    if quota == 0 and exact > 0:
        quota = 1
    return AudioSettlement(
        quota=quota,
        price=price,
        usage_semantic="openai",
        prompt_tokens=prompt,
        completion_tokens=completion,
        cache_tokens=0,
        cache_creation_tokens=0,
        cache_creation_tokens_5m=0,
        cache_creation_tokens_1h=0,
        image_tokens=0,
        billed_prompt_tokens=text_in,
        exact_parts=(exact.numerator, exact.denominator),
        saturated=saturated,
        no_usage=prompt + completion == 0,
        text_input=text_in,
        text_output=text_out,
        audio_input=audio_in,
        audio_output=audio_out,
    )
