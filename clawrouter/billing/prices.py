"""One request's price (billing.pricing's rules): the ratios of a model for a group, held as
exact integers × SCALE, and the rounding every amount goes through. Pure: no I/O, no clock."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from clawrouter.billing.ratios import CACHE_1H_MULTIPLIER, Ratios, as_fraction

QUOTA_PER_UNIT = 500_000
QUOTA_MAX = 2**53 - 1  # ≈ $18 billion at 500000/USD; exact in JSON and JavaScript
SELF_USE_MODEL_RATIO = 37.5  # the reference's ratio for an unpriced model in self-use mode

_HALF = Fraction(1, 2)
SCALE = 10**20  # ratios are exact to 20 decimals (any float repr) in the integer path


def scaled_int(value: float) -> int:
    """A ratio as an integer × SCALE, exact for values written with up to 20 decimals."""
    return round(Decimal(repr(float(value))) * SCALE)


def round_half_up(num: int, den: int) -> tuple[int, bool]:
    """Round num/den half up and clamp to [0, QUOTA_MAX]; the flag says whether clamped."""
    rounded = (2 * num + den) // (2 * den)
    if rounded > QUOTA_MAX:
        return QUOTA_MAX, True
    if rounded < 0:
        return 0, True
    return rounded, False


def round_quota(value: Fraction) -> tuple[int, bool]:
    """Round half up and clamp to [0, QUOTA_MAX]; the flag says whether it was clamped."""
    rounded = math.floor(value + _HALF)
    if rounded > QUOTA_MAX:
        return QUOTA_MAX, True
    if rounded < 0:
        return 0, True
    return rounded, False


def product_of(values: Mapping[str, float] | None) -> Fraction:
    """Π values (each as the decimal it is written as); 1 for none."""
    return math.prod((as_fraction(v) for v in (values or {}).values()), start=Fraction(1))


_TOKEN_RATIO_FIELDS = (
    "completion_ratio",
    "cache_ratio",
    "cache_creation_ratio",
    "cache_creation_ratio_1h",
    "image_ratio",
    "audio_ratio",
    "audio_completion_ratio",
)


class UnpricedModelError(Exception):
    """The model has neither a ModelPrice nor a ModelRatio (relay: 400 model_price_error)."""

    code = "model_price_error"
    status = 400

    def __init__(self, model: str) -> None:
        super().__init__(f"model {model} price not configured")
        self.model = model


@dataclass(frozen=True, slots=True)
class Price:
    """Everything settlement needs about one request's model and group."""

    model: str
    per_call: bool
    model_price: float  # USD per call; -1 when token priced
    model_ratio: float  # 0 when per-call
    group_ratio: float
    user_group_ratio: float = -1.0  # -1 when no GroupGroupRatio pair applies
    completion_ratio: float = 1.0
    cache_ratio: float = 1.0
    cache_creation_ratio: float = 1.25  # 5-minute write
    cache_creation_ratio_1h: float = 2.0
    image_ratio: float = 1.0
    audio_ratio: float = 1.0
    audio_completion_ratio: float = 1.0
    matched_model: str = ""  # the table key that priced it ("" when unset)
    unset: bool = False  # unpriced model billed at SELF_USE_MODEL_RATIO
    # The ratios as exact integers × SCALE (model, group, completion, cache, write 5m,
    # write 1h, image, per-call USD), so settling a request needs no Fraction arithmetic.
    scaled: tuple[int, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        values = (
            self.model_ratio, self.group_ratio, self.completion_ratio, self.cache_ratio,
            self.cache_creation_ratio, self.cache_creation_ratio_1h, self.image_ratio,
            max(self.model_price, 0.0),
        )  # fmt: skip
        object.__setattr__(self, "scaled", tuple(scaled_int(v) for v in values))

    @property
    def free(self) -> bool:
        unit = self.model_price if self.per_call else self.model_ratio
        return unit == 0 or self.group_ratio == 0


def price(
    model: str, using_group: str, user_group: str, ratios: Ratios, *, self_use_mode: bool = False
) -> Price:
    """Price `model` for a user of `user_group` calling through `using_group`.

    Raises UnpricedModelError when nothing prices the model, unless `self_use_mode` (the
    SelfUseModeEnabled option or the user's accept_unset_ratio_model setting) is on; then the
    model is token priced at SELF_USE_MODEL_RATIO like in the reference.
    """
    group, user_group_ratio = ratios.group_ratio_for(using_group, user_group)
    hit = ratios.resolve(model)
    if hit is None and not self_use_mode:
        raise UnpricedModelError(model)
    if hit is not None and hit[2]:
        return _per_call_price(model, hit[0], hit[1], group, user_group_ratio)
    create = ratios.create_cache_ratio_for(model)
    return Price(
        model=model,
        per_call=False,
        model_price=-1.0,
        model_ratio=SELF_USE_MODEL_RATIO if hit is None else hit[1],
        group_ratio=group,
        user_group_ratio=user_group_ratio,
        completion_ratio=ratios.completion_ratio_for(model),
        cache_ratio=ratios.cache_ratio_for(model),
        cache_creation_ratio=create,
        cache_creation_ratio_1h=float(as_fraction(create) * CACHE_1H_MULTIPLIER),
        image_ratio=ratios.image_ratio_for(model),
        audio_ratio=ratios.audio_ratio_for(model),
        audio_completion_ratio=ratios.audio_completion_ratio_for(model),
        matched_model="" if hit is None else hit[0],
        unset=hit is None,
    )


def _per_call_price(model: str, matched: str, usd: float, group: float, special: float) -> Price:
    """Per-call prices carry no token ratios (logged as 0, like the reference)."""
    zero = dict.fromkeys(_TOKEN_RATIO_FIELDS, 0.0)
    return Price(model, True, usd, 0.0, group, special, matched_model=matched, **zero)
