import os

import posthog
from waffle import flag_is_active

from .flags import Experiment, is_feature_enabled


def dashboard(request):
    if is_feature_enabled("NEW_DASHBOARD"):
        return "new"
    if flag_is_active(request, Experiment.CHECKOUT.value):
        return "checkout"
    return "old"


def pricing(user_id):
    if posthog.feature_enabled(Experiment.PRICING, user_id):
        return "new pricing"
    return os.environ.get("APP_DEBUG", "0")
