"""Everyone on the platform, drawn from the seed alone: accounts, groups and their habits.

The population is the part of the world that does not change from day to day (who exists,
how each account behaves, which operation it belongs to), so any day can be generated
alone from (seed, day) on top of it. Rows are shuffled and ids random, so nothing but
`_truth/` ties an account to its archetype.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from simulation import archetypes as A
from simulation.accounts import N_VIRTUAL_BINS, accounts_table, made_up_name, signups
from simulation.clients import UA_VERSIONS
from simulation.encoding import hex_ids, pick
from simulation.network import COUNTRY_CODES, COUNTRY_TZ, COUNTRY_WEIGHTS, DATACENTER, VPN, Networks, build_networks
from simulation.presets import Preset

N_POPULAR_SYSTEM = 12


@dataclass
class Population:
    """Per-account arrays (index = account row) plus group-level facts."""

    n: int
    archetype: np.ndarray  # index into ARCHETYPE_NAMES
    group: np.ndarray  # -1 for independent accounts
    campaign_ids: list[str | None]  # per group; None for legitimate groups
    account_ids: pa.StringArray
    created_s: np.ndarray  # seconds since the first day's midnight (may be negative)
    start_day: np.ndarray  # first day index the account acts on
    behaviour: dict[str, np.ndarray]
    key_offset: np.ndarray
    key_ids: pa.StringArray
    system_hashes: pa.StringArray
    networks: Networks
    accounts: pa.Table  # the contract's accounts table
    # group timing: windows a day, seconds per window, human-aligned, time zone
    group_sync: np.ndarray  # (n_groups, 3)
    group_tz: np.ndarray
    template_salt: np.uint64  # makes template SimHashes differ between seeds

    @property
    def is_distiller(self) -> np.ndarray:
        return np.array([A.ARCHETYPES[n].distiller for n in A.ARCHETYPE_NAMES])[self.archetype]


def _beta(rng: np.random.Generator, mean: float, n: int, conc: float = 8.0) -> np.ndarray:
    mean = min(max(mean, 1e-3), 1 - 1e-3)
    return rng.beta(mean * conc, (1 - mean) * conc, n)


def _layout(preset: Preset) -> tuple[np.ndarray, np.ndarray]:
    """Archetype and group of every account, groups first, then independent accounts."""
    names = list(A.ARCHETYPE_NAMES)
    arch, grp = [], []
    for g, group in enumerate(preset.groups):
        arch += [names.index(group.archetype)] * group.size
        grp += [g] * group.size
    rest = preset.n_accounts - len(arch)
    singles = [a for a in A.ARCHETYPES.values() if a.share > 0]
    counts = [max(1, round(a.share * rest)) for a in singles]
    counts[0] += rest - sum(counts)  # hobbyists take the remainder
    for a, c in zip(singles, counts):
        arch += [names.index(a.name)] * c
        grp += [-1] * c
    return np.array(arch), np.array(grp)


def build_population(preset: Preset, seed: int) -> Population:
    """Draw every account's identity and habits; groups first decide what their members share."""
    rng = np.random.default_rng([seed, 0x5EED])
    arch, grp = _layout(preset)
    order = rng.permutation(len(arch))  # rows in random order: position reveals nothing
    arch, grp = arch[order], grp[order]
    n, n_groups = len(arch), len(preset.groups)
    specs = [A.ARCHETYPES[name] for name in A.ARCHETYPE_NAMES]
    g_arch = np.array([A.ARCHETYPE_NAMES.index(g.archetype) for g in preset.groups], dtype=np.int64)
    g_start = np.array([g.start_day for g in preset.groups], dtype=np.int64)
    n_campus = sum(g.archetype == "university_class" for g in preset.groups)
    n_corp = sum(g.archetype == "corporate" for g in preset.groups)
    is_hydra = g_arch == A.ARCHETYPE_NAMES.index("hydra")
    nets, campus_nets, corp_nets, signup_nets = build_networks(rng, n_campus, n_corp, int(is_hydra.sum()))
    group_net = np.full(n_groups, -1)
    group_net[g_arch == A.ARCHETYPE_NAMES.index("university_class")] = campus_nets
    group_net[g_arch == A.ARCHETYPE_NAMES.index("corporate")] = corp_nets[:n_corp]
    group_net[is_hydra] = signup_nets

    # Group-level choices: where a campaign's proxies sit, its card BINs, its prompts.
    g_country = rng.choice(len(COUNTRY_CODES), n_groups, p=COUNTRY_WEIGHTS)
    g_country[g_arch == A.ARCHETYPE_NAMES.index("university_class")] = nets.country[campus_nets]
    g_temp = rng.choice([0.0, 0.3, 0.7, 1.0, -1.0], n_groups)
    g_pool = np.array([rng.integers(specs[a].pool[0], specs[a].pool[1] + 1) for a in g_arch], dtype=np.int64)
    g_bins = rng.integers(0, N_VIRTUAL_BINS, (n_groups, 3))
    g_card_reuse = rng.integers(1, 4, n_groups)
    g_system = np.where(rng.random(n_groups) < 0.5, rng.integers(0, N_POPULAR_SYSTEM, n_groups),
                        N_POPULAR_SYSTEM + np.arange(n_groups))
    g_domain = [f"{made_up_name(rng)}-{made_up_name(rng)}" for _ in range(n_groups)]

    country = rng.choice(len(COUNTRY_CODES), n, p=COUNTRY_WEIGHTS)
    in_group = grp >= 0
    country[in_group] = g_country[grp[in_group]]

    b: dict[str, np.ndarray] = {k: np.zeros(n) for k in (
        "rate", "active", "turns", "cot", "adopt_share", "adopt_lag", "temperature", "tool_share",
        "n_tools", "roaming", "sessions", "lease", "rhythm", "sync", "gap_s", "ua_share", "n_keys",
        "system_share", "template_share", "pool_size", "flips", "input_median", "rate_limited")}
    b["topic_cum"] = np.zeros((n, len(A.TOPICS)))
    b["model_cum"] = np.zeros((n, len(A.BASE_MODELS)))
    for k in ("system", "pool_id", "pool_daily", "ua_a", "ua_b", "net_a", "net_a_len", "net_b", "net_b_len"):
        b[k] = np.zeros(n, dtype=np.int64)

    for code, s in enumerate(specs):
        idx = np.flatnonzero(arch == code)
        if len(idx) == 0:
            continue
        k = len(idx)
        b["rate"][idx] = preset.volume * s.rate * rng.lognormal(0, s.rate_sigma, k)
        b["active"][idx] = _beta(rng, s.active, k)
        b["turns"][idx] = s.turns
        topics = rng.dirichlet(np.array(s.topics) * s.topic_conc, k)
        cover = rng.uniform(*s.cover, k)[:, None]
        topics = topics * (1 - cover) + cover * np.array(A.COVER_TOPICS)
        b["topic_cum"][idx] = np.cumsum(topics, axis=1)
        b["cot"][idx] = rng.beta(*s.cot, k)
        b["model_cum"][idx] = np.cumsum(rng.dirichlet(np.array(s.models) * s.model_conc * 3 + 0.05, k), axis=1)
        adopts = rng.random(k) < s.adopters
        b["adopt_share"][idx] = np.where(adopts, rng.uniform(*s.adopt_share, k), 0.0)
        b["adopt_lag"][idx] = rng.integers(s.adopt_lag[0], s.adopt_lag[1] + 1, k)
        b["temperature"][idx] = pick(rng, s.temperatures, k)
        b["tool_share"][idx] = np.where(rng.random(k) < s.tool_users, _beta(rng, s.tool_share, k), 0.0)
        b["n_tools"][idx] = rng.integers(s.n_tools[0], s.n_tools[1] + 1, k)
        b["roaming"][idx] = s.roaming
        b["sessions"][idx] = rng.integers(s.sessions[0], s.sessions[1] + 1, k)
        b["lease"][idx] = rng.integers(s.lease[0], s.lease[1] + 1, k)
        b["rhythm"][idx] = s.rhythm
        b["sync"][idx] = s.sync
        b["gap_s"][idx] = s.gap_s
        b["n_keys"][idx] = rng.integers(s.keys[0], s.keys[1] + 1, k)
        b["system_share"][idx] = s.system_share if s.system != A.SYS_NONE else 0.0
        b["template_share"][idx] = s.template_share if s.templates != A.NO_TEMPLATE else 0.0
        b["flips"][idx] = s.flips
        b["input_median"][idx] = s.input_median * rng.lognormal(0, 0.4, k)
        b["rate_limited"][idx] = s.rate_limited * rng.lognormal(0, 0.5, k)
        # client strings: a main one and an occasional second version of the same family
        fam = np.array([A.UA_FAMILIES.index(f) for f in pick(rng, s.uas, k)])
        b["ua_a"][idx] = fam * UA_VERSIONS + rng.integers(0, UA_VERSIONS, k)
        b["ua_b"][idx] = fam * UA_VERSIONS + rng.integers(0, UA_VERSIONS, k)
        b["ua_share"][idx] = s.main_client
        g = grp[idx]
        if s.group_temperature:  # mostly: some operators forget an account or two
            b["temperature"][idx] = np.where(rng.random(k) < 0.8, g_temp[g], b["temperature"][idx])
        _templates(b, idx, s, g, g_pool, rng)
        _system_prompts(b, idx, s, g, g_system, rng, n_groups)
        _addresses(b, idx, s, g, nets, country[idx], group_net, corp_nets[n_corp:], rng)

    b["salt"] = rng.integers(0, 2**63, n, dtype=np.int64).astype(np.uint64)
    b["tz"] = COUNTRY_TZ[country]
    created_s, start_day = signups(preset, rng, arch, grp, g_start, specs)
    key_offset = np.concatenate([[0], np.cumsum(b["n_keys"].astype(np.int64))[:-1]])
    account_ids = hex_ids(rng, n, 8, "acct_")
    accounts = accounts_table(preset, rng, arch, grp, specs, account_ids, created_s, country, nets, b,
                               group_net, g_bins, g_card_reuse, g_domain)
    sync = np.array([specs[a].sync_windows for a in g_arch], dtype=np.int64)
    operations = np.array([specs[a].distiller for a in g_arch], dtype=bool)
    campaign_ids = [f"campaign-{i:03d}" if op else None for op, i in zip(operations, np.cumsum(operations))]
    return Population(
        n=n, archetype=arch, group=grp, campaign_ids=campaign_ids,
        account_ids=account_ids, created_s=created_s, start_day=start_day, behaviour=b,
        key_offset=key_offset, key_ids=hex_ids(rng, int(b["n_keys"].sum()), 8, "key_"),
        system_hashes=hex_ids(rng, N_POPULAR_SYSTEM + n_groups + n, 32), networks=nets, accounts=accounts,
        group_sync=sync.reshape(n_groups, 3), group_tz=COUNTRY_TZ[g_country],
        template_salt=np.uint64(rng.integers(0, 2**63)),
    )


def _templates(b, idx, s: A.Archetype, g, g_pool, rng) -> None:
    """Where an account's repeated prompts come from (SimHash pools, see traffic)."""
    k = len(idx)
    if s.templates == A.OWN:
        b["pool_id"][idx], b["pool_size"][idx] = 1_000_000 + idx, rng.integers(s.pool[0], s.pool[1] + 1, k)
    elif s.templates == A.GROUP:
        b["pool_id"][idx], b["pool_size"][idx] = 2_000_000 + g, g_pool[g]
    elif s.templates == A.HOMEWORK:
        b["pool_id"][idx], b["pool_size"][idx], b["pool_daily"][idx] = 5_000_000 + 1000 * g, s.pool[0], 1
    else:
        b["pool_id"][idx], b["pool_size"][idx] = (3 if s.templates == A.BENCHMARK else 4), s.pool[0]


def _system_prompts(b, idx, s: A.Archetype, g, g_system, rng, n_groups) -> None:
    popular = np.minimum(rng.zipf(1.6, len(idx)) - 1, N_POPULAR_SYSTEM - 1)
    own = N_POPULAR_SYSTEM + n_groups + idx
    b["system"][idx] = {A.SYS_OWN: own, A.SYS_GROUP: g_system[g] if s.system == A.SYS_GROUP else own}.get(
        s.system, popular)


def _addresses(b, idx, s: A.Archetype, g, nets: Networks, country, group_net, small_firm_nets, rng) -> None:
    """Network pools (first network id, how many) for the main and the roaming traffic."""
    k = len(idx)
    plan = pick(rng, s.network, k).astype(int)
    res_first = 6 * country  # network ids are laid out six per country: 3 ISPs, 2 carriers, hosting
    home = res_first + rng.integers(0, 3, k)
    mobile = res_first + 3 + rng.integers(0, 2, k)
    clouds = nets.of(DATACENTER)
    clouds = clouds[nets.n_prefixes[clouds] > 1]
    cloud = rng.choice(clouds, k)
    vpn = nets.of(VPN)
    vpn = vpn[nets.n_prefixes[vpn] > 1]  # the providers, not the single sign-up ranges
    own_net = np.where(g >= 0, group_net[np.maximum(g, 0)], -1)
    corp = np.where(own_net >= 0, own_net, rng.choice(small_firm_nets, k))
    first = np.select([plan == A.HOME, plan == A.MOBILE, plan == A.CLOUD, plan == A.PROXY, plan == A.VPN,
                       plan == A.CAMPUS, plan == A.CORPORATE], [home, mobile, cloud, res_first, vpn[0], own_net, corp])
    length = np.select([plan == A.PROXY, plan == A.VPN], [5, len(vpn)], 1)
    b["net_a"][idx], b["net_a_len"][idx] = first, length
    # proxies fall back on VPNs; privacy-minded people switch one on now and then
    roam_to_vpn = ((plan == A.PROXY) | (rng.random(k) < 0.25)) & (plan != A.CLOUD)
    b["net_b"][idx] = np.select([roam_to_vpn, plan == A.CLOUD, plan == A.MOBILE], [vpn[0], cloud, home], mobile)
    b["net_b_len"][idx] = np.where(roam_to_vpn, len(vpn), 1)


