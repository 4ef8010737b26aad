"""Who uses the API, and how: one behaviour spec per archetype.

Each spec gives the distributions an account's own parameters are drawn from. The
legitimate look-alikes (power users, tutoring apps, researchers, coding agents) are given
the same per-request profile as distillation traffic on purpose: what separates a hydra
from them is what its accounts share, never what one account does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TOPICS = ("coding", "math", "reasoning", "agentic", "writing", "chat", "translation", "other")
HIGH_VALUE = (0, 1, 2, 3)  # coding, math, reasoning, agentic: what distillers want
COVER_TOPICS = (0, 0, 0, 0, 0.35, 0.5, 0.1, 0.05)  # innocuous traffic that dilutes a distiller's mix
BASE_MODELS = ("model-small-2", "model-large-2", "model-reason-2")
NEW_MODEL = "model-large-3"
MODELS = BASE_MODELS + (NEW_MODEL,)
REASONING_MODELS = (2, 3)  # indexes into MODELS: these produce reasoning tokens

# Network plans: where an account's traffic comes from.
HOME, MOBILE, CLOUD, PROXY, CAMPUS, CORPORATE, VPN = range(7)
# Timing: a person's day in their own time zone, machines around the clock, or own bursts.
HUMAN, FLAT, SELF_BURST = range(3)
# Where repeated prompts come from: no template, the account's own, its group's, a public
# benchmark, this day's homework of its class, or viral public prompts.
NO_TEMPLATE, OWN, GROUP, BENCHMARK, HOMEWORK, POPULAR = range(6)
# System prompts: none, its own, one its group shares, or a widely used public one.
SYS_NONE, SYS_OWN, SYS_GROUP, SYS_POPULAR = range(4)
UA_FAMILIES = ("sdk_python", "sdk_node", "requests", "httpx", "curl", "browser", "agent_cli", "sdk_java", "sdk_go")


@dataclass(frozen=True)
class Archetype:
    name: str
    distiller: bool = False
    share: float = 0.0  # of the independent (non-group) accounts
    rate: float = 5.0  # median requests on an active day
    rate_sigma: float = 0.8
    active: float = 0.5  # mean chance of being active on a day
    turns: float = 1.5  # mean conversation length
    topics: tuple[float, ...] = (0.1, 0.05, 0.05, 0.02, 0.2, 0.45, 0.08, 0.05)
    topic_conc: float = 4.0
    cover: tuple[float, float] = (0.0, 0.0)  # share moved to innocuous chat/writing topics
    cot: tuple[float, float] = (1.0, 10.0)  # beta(a, b): step-by-step share on high-value topics
    models: tuple[float, float, float] = (0.45, 0.45, 0.10)
    model_conc: float = 3.0
    adopters: float = 0.25  # share of accounts that move to the new model
    adopt_share: tuple[float, float] = (0.2, 0.6)
    adopt_lag: tuple[int, int] = (1, 10)  # days after the release
    temperatures: dict[float, float] = field(default_factory=lambda: {1.0: 0.6, 0.7: 0.25, -1.0: 0.15})
    tool_users: float = 0.05
    tool_share: float = 0.5
    n_tools: tuple[int, int] = (2, 8)
    network: dict[int, float] = field(default_factory=lambda: {HOME: 0.65, MOBILE: 0.35})
    sessions: tuple[int, int] = (1, 2)  # address sessions a day
    lease: tuple[int, int] = (3, 30)  # days an address is kept
    roaming: float = 0.15  # share of requests from a second network (phone, VPN)
    rhythm: int = HUMAN
    sync: float = 0.0  # share of conversations in the group's shared burst windows
    sync_windows: tuple[int, int, bool] = (0, 0, False)  # windows a day, seconds each, at people's hours?
    group_temperature: bool = False  # a campaign controller sets one temperature for its accounts
    gap_s: float = 90.0  # mean seconds between turns
    uas: dict[str, float] = field(default_factory=lambda: {"browser": 0.3, "sdk_python": 0.45, "requests": 0.25})
    main_client: float = 0.9  # share of requests from its main client string
    keys: tuple[int, int] = (1, 1)
    system: int = SYS_POPULAR
    system_share: float = 0.15
    templates: int = POPULAR
    template_share: float = 0.03
    pool: tuple[int, int] = (200, 200)  # templates in the pool
    flips: int = 3  # a paraphrase flips up to this many SimHash bits
    input_median: float = 250.0
    rate_limited: float = 0.003  # share of requests answered 429
    # account
    age_days: tuple[int, int] = (-8, 1000)  # sign-up this many days before the first day
    tiers: tuple[float, float, float] = (0.7, 0.3, 0.0)  # free, paid, enterprise
    verification: tuple[float, float, float, float] = (0.05, 0.7, 0.25, 0.0)  # none, email, phone, id
    programs: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)  # none, education, research, startup
    email: dict[str, float] = field(default_factory=lambda: {"webmail": 0.93, "company": 0.05, "disposable": 0.02})
    virtual_card: float = 0.04  # share paying with a virtual-card BIN
    org: float = 0.0  # chance of belonging to an organisation of its own
    headless_signup: float = 0.01
    investigated: float = 0.0005  # chance a case is ever opened on the account


_LOOKALIKE = dict(
    topics=(0.3, 0.15, 0.2, 0.1, 0.08, 0.12, 0.02, 0.03),
    cot=(4.0, 3.0),
    models=(0.08, 0.37, 0.55),
    adopters=0.6,
    adopt_share=(0.3, 0.8),
    adopt_lag=(0, 4),
)

ARCHETYPES: dict[str, Archetype] = {
    a.name: a
    for a in (
        Archetype("hobbyist", share=0.55),
        Archetype(
            "power_user", share=0.14, rate=24, rate_sigma=0.6, active=0.7, turns=1.6, **_LOOKALIKE,
            cover=(0.0, 0.3), temperatures={1.0: 0.4, 0.7: 0.2, 0.0: 0.15, -1.0: 0.25},
            tool_users=0.3, tool_share=0.4, network={HOME: 0.5, MOBILE: 0.35, VPN: 0.15},
            sessions=(1, 4), lease=(1, 10), roaming=0.25, rhythm=HUMAN,
            uas={"sdk_python": 0.4, "requests": 0.25, "httpx": 0.15, "browser": 0.2}, keys=(1, 2),
            system_share=0.4, templates=OWN, template_share=0.15, pool=(5, 40), flips=5,
            input_median=400, tiers=(0.15, 0.85, 0.0), verification=(0.0, 0.6, 0.4, 0.0),
            virtual_card=0.08, org=0.15, investigated=0.01,
        ),
        Archetype(
            "tutoring_app", share=0.03, rate=40, rate_sigma=0.9, active=0.9, turns=1.2,
            topics=(0.05, 0.5, 0.3, 0.05, 0.04, 0.04, 0.01, 0.01), topic_conc=6, cot=(6.0, 2.5),
            models=(0.1, 0.3, 0.6), adopters=0.45, adopt_share=(0.3, 0.7), adopt_lag=(0, 5),
            temperatures={0.7: 0.4, 0.3: 0.3, 0.0: 0.3}, tool_users=0.2,
            network={CLOUD: 0.5, HOME: 0.3, MOBILE: 0.2}, sessions=(1, 5), lease=(1, 3), rhythm=HUMAN,
            gap_s=30, uas={"sdk_python": 0.5, "sdk_node": 0.4, "browser": 0.1}, keys=(1, 3),
            system=SYS_OWN, system_share=0.7, templates=OWN, template_share=0.3, pool=(20, 80), flips=6,
            input_median=350, tiers=(0.1, 0.9, 0.0), programs=(0.8, 0.0, 0.0, 0.2),
            email={"webmail": 0.5, "company": 0.5}, virtual_card=0.1, org=0.15, investigated=0.03,
        ),
        Archetype(
            "researcher", share=0.06, rate=16, rate_sigma=0.9, active=0.55, turns=1.3, **_LOOKALIKE,
            cover=(0.0, 0.2), temperatures={0.0: 0.3, 1.0: 0.3, -1.0: 0.4}, tool_users=0.15,
            network={HOME: 0.4, CLOUD: 0.35, MOBILE: 0.25}, sessions=(1, 4), lease=(1, 7), roaming=0.2,
            rhythm=FLAT, gap_s=20, uas={"requests": 0.3, "httpx": 0.3, "sdk_python": 0.4}, keys=(1, 3),
            system_share=0.3, templates=OWN, template_share=0.3, pool=(30, 200), flips=5,
            input_median=450, tiers=(0.4, 0.6, 0.0), verification=(0.0, 0.6, 0.3, 0.1),
            programs=(0.6, 0.0, 0.4, 0.0), email={"webmail": 0.5, "company": 0.1, "university": 0.4},
            virtual_card=0.06, org=0.15, investigated=0.02,
        ),
        Archetype(
            "coding_agent", share=0.12, rate=30, rate_sigma=0.8, active=0.65, turns=5.0,
            topics=(0.5, 0.03, 0.07, 0.3, 0.04, 0.03, 0.01, 0.02), topic_conc=6, cot=(2.5, 3.5),
            models=(0.05, 0.45, 0.5), adopters=0.55, adopt_share=(0.3, 0.9), adopt_lag=(0, 3),
            temperatures={0.0: 0.3, 0.2: 0.3, 1.0: 0.4}, tool_users=0.7, tool_share=0.6, n_tools=(4, 30),
            network={HOME: 0.5, MOBILE: 0.2, CORPORATE: 0.15, CLOUD: 0.15}, sessions=(1, 3), lease=(1, 10),
            roaming=0.2, gap_s=25, uas={"agent_cli": 0.6, "sdk_python": 0.25, "sdk_node": 0.15},
            keys=(1, 2), system=SYS_POPULAR, system_share=0.9, templates=NO_TEMPLATE,
            input_median=900, tiers=(0.1, 0.9, 0.0), verification=(0.0, 0.6, 0.4, 0.0),
            email={"webmail": 0.6, "company": 0.4}, virtual_card=0.06, investigated=0.005,
        ),
        Archetype(
            "app_backend", share=0.02, rate=150, rate_sigma=1.2, active=0.97, turns=1.1,
            topics=(0.05, 0.02, 0.03, 0.05, 0.3, 0.35, 0.15, 0.05), topic_conc=1.0,
            cot=(1.0, 15.0), models=(0.5, 0.45, 0.05), adopters=0.1, adopt_lag=(3, 14),
            temperatures={0.0: 0.3, 0.7: 0.4, 1.0: 0.3}, tool_users=0.2, tool_share=0.9,
            network={CLOUD: 1.0}, sessions=(2, 12), lease=(1, 1), roaming=0.0, rhythm=FLAT, gap_s=3,
            uas={"sdk_python": 0.35, "sdk_node": 0.35, "sdk_java": 0.15, "sdk_go": 0.15}, keys=(1, 4),
            system=SYS_OWN, system_share=0.98, templates=OWN, template_share=0.85, pool=(3, 20), flips=6,
            input_median=600, rate_limited=0.01, tiers=(0.0, 0.7, 0.3), verification=(0.0, 0.6, 0.35, 0.05),
            email={"company": 0.9, "webmail": 0.1}, org=0.8, investigated=0.01,
        ),
        Archetype(
            "eval_runner", share=0.008, rate=50, rate_sigma=1.0, active=0.45, turns=1.0,
            topics=(0.3, 0.25, 0.3, 0.1, 0.02, 0.01, 0.01, 0.01), topic_conc=8, cot=(6.0, 2.0),
            models=(0.2, 0.3, 0.5), adopters=1.0, adopt_share=(0.7, 0.95), adopt_lag=(0, 0),
            temperatures={0.0: 0.9, -1.0: 0.1}, tool_users=0.1, network={CLOUD: 0.8, HOME: 0.2},
            sessions=(1, 2), lease=(1, 5), roaming=0.0, rhythm=SELF_BURST, gap_s=2,
            uas={"requests": 0.4, "httpx": 0.3, "sdk_python": 0.3}, keys=(1, 2), system_share=0.5,
            templates=BENCHMARK, template_share=0.95, pool=(3000, 3000), flips=0, input_median=300,
            rate_limited=0.02, tiers=(0.0, 0.7, 0.3), verification=(0.0, 0.4, 0.3, 0.3),
            email={"company": 0.7, "university": 0.3}, org=0.8, investigated=0.15,
        ),
        Archetype(
            "synth_vendor", share=0.0006, rate=2500, rate_sigma=0.4, active=0.95, turns=1.0,
            topics=(0.3, 0.2, 0.2, 0.1, 0.1, 0.05, 0.03, 0.02), topic_conc=10, cot=(3.0, 3.0),
            models=(0.3, 0.4, 0.3), adopters=0.5, adopt_lag=(5, 10), temperatures={0.8: 0.5, 1.0: 0.5},
            tool_users=0.1, network={CLOUD: 1.0}, sessions=(4, 16), lease=(1, 1), roaming=0.0,
            rhythm=FLAT, gap_s=1, uas={"sdk_python": 1.0}, keys=(3, 8), system=SYS_OWN, system_share=0.9,
            templates=OWN, template_share=0.9, pool=(50, 300), flips=5, input_median=500,
            rate_limited=0.03, age_days=(200, 800), tiers=(0.0, 0.0, 1.0), verification=(0.0, 0.0, 0.0, 1.0),
            email={"company": 1.0}, org=0.8, investigated=0.3,
        ),
        Archetype(
            "university_class", rate=8, rate_sigma=0.6, active=0.8, turns=2.5,
            topics=(0.35, 0.3, 0.2, 0.02, 0.08, 0.03, 0.01, 0.01), cot=(3.0, 3.0), models=(0.4, 0.3, 0.3),
            adopters=0.2, temperatures={1.0: 1.0}, network={CAMPUS: 0.7, HOME: 0.2, MOBILE: 0.1},
            sessions=(1, 2), lease=(1, 3), roaming=0.1, sync=0.4, sync_windows=(1, 3600, True), gap_s=60,
            uas={"browser": 0.5, "sdk_python": 0.5}, system=SYS_GROUP, system_share=0.4,
            templates=HOMEWORK, template_share=0.6, pool=(8, 8), flips=8, input_median=300,
            tiers=(0.8, 0.2, 0.0), verification=(0.0, 1.0, 0.0, 0.0), programs=(0.0, 1.0, 0.0, 0.0),
            email={"university": 1.0}, virtual_card=0.0, investigated=0.05,
        ),
        Archetype(
            "corporate", rate=12, rate_sigma=0.8, active=0.75, turns=2.0,
            topics=(0.35, 0.05, 0.1, 0.1, 0.2, 0.1, 0.05, 0.05), cot=(2.0, 5.0), models=(0.2, 0.5, 0.3),
            adopters=0.3, temperatures={1.0: 0.5, 0.7: 0.3, 0.0: 0.2}, tool_users=0.3,
            network={CORPORATE: 0.8, HOME: 0.2}, sessions=(1, 2), lease=(5, 30), roaming=0.15,
            uas={"sdk_python": 0.5, "browser": 0.3, "sdk_node": 0.2}, system=SYS_GROUP, system_share=0.5,
            templates=GROUP, template_share=0.15, pool=(30, 30), flips=4, input_median=400,
            tiers=(0.0, 0.0, 1.0), verification=(0.0, 1.0, 0.0, 0.0), email={"company": 1.0},
            virtual_card=0.0, headless_signup=0.0, investigated=0.03,
        ),
        # ---- distillation -------------------------------------------------------------
        Archetype(
            "hydra", distiller=True, rate=38, rate_sigma=0.55, active=0.85, turns=1.25,
            topics=(0.35, 0.12, 0.2, 0.17, 0.05, 0.07, 0.02, 0.02), topic_conc=8, cover=(0.05, 0.4),
            cot=(5.0, 2.5), models=(0.05, 0.35, 0.6), model_conc=4, adopters=1.0, adopt_share=(0.35, 0.65),
            adopt_lag=(0, 1), tool_users=0.5, tool_share=0.5, n_tools=(4, 12),
            network={PROXY: 0.6, HOME: 0.25, VPN: 0.15}, sessions=(1, 4), lease=(1, 1), roaming=0.05, rhythm=FLAT,
            sync=0.55, sync_windows=(24, 180, False), group_temperature=True, gap_s=15,
            uas={"requests": 0.3, "sdk_python": 0.4, "browser": 0.3},
            system=SYS_GROUP, system_share=0.5, templates=GROUP, template_share=0.85, pool=(40, 150),
            flips=4, input_median=300, rate_limited=0.004, age_days=(0, 0), tiers=(0.2, 0.8, 0.0),
            verification=(0.0, 0.6, 0.4, 0.0), email={"webmail": 0.6, "disposable": 0.4},
            virtual_card=0.8, headless_signup=0.3, investigated=0.22,
        ),
        Archetype(
            "low_and_slow", distiller=True, rate=16, rate_sigma=0.5, active=0.75, turns=1.6,
            topics=(0.3, 0.15, 0.2, 0.1, 0.08, 0.12, 0.02, 0.03), cover=(0.1, 0.35), cot=(4.0, 3.0),
            models=(0.05, 0.35, 0.6), adopters=0.7, adopt_share=(0.2, 0.5), adopt_lag=(1, 4),
            temperatures={1.0: 0.4, 0.7: 0.3, -1.0: 0.3}, tool_users=0.3,
            network={HOME: 0.6, MOBILE: 0.4}, sessions=(1, 1), lease=(20, 30), roaming=0.1, rhythm=HUMAN,
            sync=0.35, sync_windows=(3, 1200, True), group_temperature=True,
            uas={"sdk_python": 0.5, "browser": 0.3, "httpx": 0.2}, system_share=0.3,
            templates=GROUP, template_share=0.6, pool=(150, 250), flips=7, input_median=350,
            age_days=(100, 900), tiers=(0.1, 0.9, 0.0), verification=(0.0, 0.5, 0.5, 0.0),
            virtual_card=0.1, investigated=0.12,
        ),
        Archetype(
            "program_abuse", distiller=True, rate=220, rate_sigma=0.6, active=0.9, turns=3.0,
            topics=(0.3, 0.03, 0.12, 0.5, 0.02, 0.01, 0.01, 0.01), topic_conc=8, cot=(5.0, 3.0),
            models=(0.05, 0.35, 0.6), adopters=0.8, adopt_share=(0.3, 0.7), adopt_lag=(0, 2),
            temperatures={0.0: 0.5, 1.0: 0.5}, tool_users=0.9, tool_share=0.8, n_tools=(10, 30),
            network={CLOUD: 0.6, HOME: 0.4}, sessions=(1, 4), lease=(1, 3), rhythm=FLAT, sync=0.3, gap_s=10,
            sync_windows=(8, 600, False), group_temperature=True,
            uas={"sdk_python": 0.6, "agent_cli": 0.4}, system=SYS_GROUP, system_share=0.8,
            templates=GROUP, template_share=0.7, pool=(60, 120), flips=5, input_median=800,
            rate_limited=0.02, age_days=(0, 20), tiers=(0.6, 0.4, 0.0), verification=(0.0, 0.7, 0.3, 0.0),
            programs=(0.0, 0.5, 0.0, 0.5), email={"university": 0.5, "company": 0.5},
            virtual_card=0.3, investigated=0.3,
        ),
        Archetype(
            "bulk_scraper", distiller=True, rate=2500, rate_sigma=0.4, active=0.95, turns=1.0,
            topics=(0.35, 0.15, 0.3, 0.1, 0.03, 0.03, 0.02, 0.02), topic_conc=10, cot=(8.0, 1.0),
            models=(0.01, 0.2, 0.79), adopters=1.0, adopt_share=(0.4, 0.9), adopt_lag=(0, 1),
            temperatures={0.0: 1.0}, tool_users=0.0, network={CLOUD: 1.0}, sessions=(1, 2), lease=(30, 30),
            roaming=0.0, rhythm=FLAT, gap_s=1, uas={"requests": 0.6, "curl": 0.4}, system=SYS_NONE,
            templates=OWN, template_share=0.95, pool=(3, 10), flips=2, input_median=250,
            rate_limited=0.25, age_days=(0, 30), tiers=(0.0, 1.0, 0.0), verification=(0.1, 0.9, 0.0, 0.0),
            email={"webmail": 0.7, "disposable": 0.3}, virtual_card=0.5, investigated=0.8,
        ),
        Archetype(
            "reseller", distiller=True, rate=4000, rate_sigma=0.3, active=1.0, turns=2.0,
            topics=(0.25, 0.1, 0.15, 0.1, 0.15, 0.15, 0.05, 0.05), topic_conc=20, cot=(3.0, 3.0),
            models=(0.2, 0.4, 0.4), adopters=1.0, adopt_share=(0.4, 0.6), adopt_lag=(0, 1),
            temperatures={-1.0: 1.0}, tool_users=1.0, tool_share=0.2, network={CLOUD: 1.0},
            sessions=(6, 20), lease=(1, 1), roaming=0.0, rhythm=FLAT, gap_s=5,
            uas={"sdk_python": 0.4, "sdk_node": 0.3, "requests": 0.3}, main_client=0.3, keys=(20, 60),
            system_share=0.4, templates=OWN, template_share=0.3, pool=(40, 80), flips=4,
            rate_limited=0.05, age_days=(60, 400), tiers=(0.0, 1.0, 0.0), verification=(0.0, 0.0, 1.0, 0.0),
            email={"company": 1.0}, virtual_card=0.0, investigated=1.0,
        ),
    )
}
ARCHETYPE_NAMES = tuple(ARCHETYPES)
