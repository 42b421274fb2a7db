"""Server-side flag registry and helpers."""

from enum import Enum

FEATURE_FLAGS: dict[str, bool] = {
    "ALERTS": False,
    "NEW_DASHBOARD": True,
    "UNUSED_FLAG": False,
}


class Experiment(str, Enum):
    PRICING = "new-pricing"
    CHECKOUT = "beta_checkout"


def is_feature_enabled(name: str) -> bool:
    return FEATURE_FLAGS.get(name, False)
