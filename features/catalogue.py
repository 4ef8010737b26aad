"""The feature catalogue: the one place a feature is named, described and put into words.

The model's feature list, the feature contract's columns and the wording of the reasons
all come from here, so a feature cannot mean one thing to the model and another to an
investigator.
"""

from __future__ import annotations

from dataclasses import dataclass

# How a value reads in a sentence.
PERCENT, COUNT, NUMBER, DAYS, CATEGORY = "percent", "count", "number", "days", "category"


@dataclass(frozen=True)
class Feature:
    name: str  # column in the account-features table
    group: str  # volume, timing, content, network, keys, errors, pivot, account, campaign
    unit: str  # PERCENT, COUNT, NUMBER, DAYS or CATEGORY
    text: str  # what it says in words, with {value} (and, in reasons, {typical})
    categories: tuple[str, ...] = ()  # for CATEGORY: integer code i means categories[i]

    @property
    def description(self) -> str:
        return self.text.replace("{value}", "X")

    def format(self, value: float) -> str:
        """The value as an investigator reads it: 71 %, 1,204, 0.83, 12 days, `education`."""
        if value != value:  # NaN
            return "unknown"
        if self.unit == PERCENT:
            return f"{value * 100:.0f} %" if value >= 0.01 or value == 0 else f"{value * 100:.1f} %"
        if self.unit == COUNT:
            return f"{value:,.0f}"
        if self.unit == DAYS:
            return f"{value:,.0f} days" if value != 1 else "1 day"
        if self.unit == CATEGORY:
            code = int(value)
            return self.categories[code] if 0 <= code < len(self.categories) else "unknown"
        return f"{value:,.2f}"

    def say(self, value: float, typical: float | None = None) -> str:
        """One sentence: "71 % of requests ask for step-by-step reasoning (typical: 4 %)"."""
        sentence = self.text.format(value=self.format(value))
        if typical is not None and self.unit != CATEGORY:
            sentence += f" (typical: {self.format(typical)})"
        return sentence[0].upper() + sentence[1:]


VERIFICATION = ("none", "email", "phone", "id")
ACCOUNT_TIER = ("free", "paid", "enterprise")
PROGRAM = ("none", "education", "research", "startup")

_ = Feature
FEATURES: tuple[Feature, ...] = (
    # volume: 1-day and 7-day windows
    _("requests_1d", "volume", COUNT, "{value} requests on the day"),
    _("requests_7d", "volume", COUNT, "{value} requests over the last 7 days"),
    _("active_days_7d", "volume", COUNT, "active on {value} of the last 7 days"),
    _("input_tokens_per_request_7d", "volume", NUMBER, "{value} input tokens per request"),
    _("output_tokens_per_request_7d", "volume", NUMBER, "{value} output tokens per request"),
    _("reasoning_tokens_per_request_7d", "volume", NUMBER, "{value} reasoning tokens per request"),
    _("output_input_ratio_7d", "volume", NUMBER, "{value} output tokens per input token"),
    # timing
    _("hour_entropy_7d", "timing", NUMBER, "hour-of-day entropy of {value} bits"),
    _("active_hours_1d", "timing", COUNT, "active in {value} distinct hours of the day"),
    _("interarrival_cv_1d", "timing", NUMBER, "inter-arrival variation of {value} (low is machine-regular)"),
    _("night_share_7d", "timing", PERCENT, "{value} of requests between 00:00 and 06:00 local to the request's country"),
    # content shape
    _("topic_top_share_7d", "content", PERCENT, "{value} of requests on its single most frequent topic"),
    _("high_value_topic_share_7d", "content", PERCENT, "{value} of requests on coding, agentic or reasoning topics"),
    _("cot_share_1d", "content", PERCENT, "{value} of the day's requests ask for step-by-step reasoning"),
    _("cot_share_7d", "content", PERCENT, "{value} of requests ask for step-by-step reasoning"),
    _("single_turn_share_7d", "content", PERCENT, "{value} of requests are single-turn"),
    _("templates_per_request_1d", "content", NUMBER, "{value} distinct prompt templates per request"),
    _("top_template_share_1d", "content", PERCENT, "{value} of the day's requests use its most common prompt template"),
    _("system_prompt_top_share_7d", "content", PERCENT, "{value} of requests share its most common system prompt"),
    _("tool_request_share_7d", "content", PERCENT, "{value} of requests declare tools"),
    _("temperature_zero_share_7d", "content", PERCENT, "{value} of requests run at temperature 0"),
    # network
    _("distinct_ips_1d", "network", COUNT, "{value} distinct addresses on the day"),
    _("distinct_prefixes_1d", "network", COUNT, "{value} distinct address ranges on the day"),
    _("distinct_asns_1d", "network", COUNT, "{value} distinct networks (ASNs) on the day"),
    _("distinct_countries_1d", "network", COUNT, "{value} distinct countries on the day"),
    _("residential_proxy_share_7d", "network", PERCENT, "{value} of requests from residential or mobile addresses"),
    _("datacenter_share_7d", "network", PERCENT, "{value} of requests from datacenter addresses"),
    _("vpn_proxy_share_7d", "network", PERCENT, "{value} of requests through VPNs or proxies"),
    _("billing_country_mismatch_7d", "network", PERCENT, "{value} of requests from outside the billing country"),
    # keys and clients
    _("api_keys_1d", "keys", COUNT, "{value} API keys used on the day"),
    _("user_agents_1d", "keys", COUNT, "{value} distinct clients (user agents) on the day"),
    # errors
    _("rate_limited_share_7d", "errors", PERCENT, "{value} of requests were rate-limited (429)"),
    # release pivot
    _("new_model_share_1d", "pivot", PERCENT, "{value} of the day's requests on a model released in the last 2 days"),
    _("new_model_pivot_1d", "pivot", NUMBER, "moved {value} of its traffic to a just-released model, against its own past"),
    # account
    _("account_age_days", "account", DAYS, "account opened {value} ago"),
    _("verification", "account", CATEGORY, "identity verification: {value}", VERIFICATION),
    _("account_tier", "account", CATEGORY, "account tier: {value}", ACCOUNT_TIER),
    _("program", "account", CATEGORY, "special-access programme: {value}", PROGRAM),
    _("payment_shared_accounts", "account", COUNT, "its payment instrument is shared with {value} other accounts"),
    _("card_bin_signup_burst", "account", COUNT, "{value} other accounts signed up with the same card BIN within a day of it"),
    _("signup_ip_shared_accounts", "account", COUNT, "{value} other accounts signed up from the same address range"),
    # campaign (from linkage)
    _("campaign_size", "campaign", COUNT, "linked to a group of {value} accounts"),
    _("campaign_requests", "campaign", COUNT, "its linked group made {value} requests on the day"),
    _("campaign_cot_share", "campaign", PERCENT, "{value} of its linked group's requests ask for step-by-step reasoning"),
    _("campaign_template_concentration", "campaign", PERCENT, "{value} of its linked group's requests share a handful of prompt templates"),
    _("campaign_sync_share", "campaign", PERCENT, "{value} of its requests fall in minutes its linked group is active together"),
    _("campaign_labeled_share", "campaign", PERCENT, "{value} of its linked group's other accounts already have a distillation verdict"),
)
del _

_BY_NAME = {f.name: f for f in FEATURES}


def feature(name: str) -> Feature:
    return _BY_NAME[name]


def model_feature_names() -> list[str]:
    """The model's input columns, in a fixed order (a changed order is a new feature list)."""
    return [f.name for f in FEATURES]


def categorical_feature_names() -> list[str]:
    return [f.name for f in FEATURES if f.unit == CATEGORY]


def category_code(name: str, value: str | None) -> int:
    """Integer code of a category (-1 when unknown), the encoding the model sees."""
    cats = feature(name).categories
    return cats.index(value) if value in cats else -1
