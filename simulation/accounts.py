"""Who signed up, when and how: the contract's accounts table.

Hydras open accounts in waves, paying with virtual cards from a few BINs that honest
customers use too; classes sign up together on a campus range with one student domain;
firms onboard their staff in a burst and pay for every seat with one instrument. Some
hydra accounts are bought, long-standing ones with ordinary e-mail domains.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from simulation import archetypes as A
from simulation.clients import SIGNUP_BROWSERS, SIGNUP_HEADLESS
from simulation.encoding import digit_strings, hex_ids, null_where, pick
from simulation.network import COUNTRY_CODES, address, address_hash
from simulation.presets import DAY_S, Preset

WEBMAIL = ("gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "proton.me",
           "gmx.de", "yandex.ru", "qq.com", "mail.com", "aol.com", "naver.com")
WEBMAIL_W = np.array([40, 14, 8, 6, 8, 4, 3, 3, 4, 2, 1, 2], float)
DISPOSABLE = ("tempmail.dev", "mailbox.run", "inboxkit.io", "dropmail.cc", "quickinbox.org")
_SYLLABLES = ("nor", "vex", "ka", "lum", "tri", "sol", "ber", "quo", "zan", "mi", "tor", "el",
              "dra", "fin", "gal", "hex", "ion", "ja", "ro", "sen", "ta", "ul", "wyn", "xo")
_TLDS = (".com", ".io", ".ai", ".co", ".de", ".net")
_UNI_TLDS = (".edu", ".ac.uk", ".edu.au", ".ac.jp", ".de", ".edu.sg")
# Card BINs: the issuers customers use, and virtual-card issuers that fraud prefers but
# plenty of honest customers use too.
N_CUSTOMER_BINS, N_VIRTUAL_BINS = 300, 8


def made_up_name(rng: np.random.Generator) -> str:
    return "".join(rng.choice(_SYLLABLES, rng.integers(2, 4)))


def signups(preset: Preset, rng, arch, grp, g_start, specs) -> tuple[np.ndarray, np.ndarray]:
    """Sign-up second and first active day: hydras open in waves, classes and firms in bursts."""
    end_s = preset.n_days * DAY_S - 3600
    low, high = np.array([specs[a].age_days for a in range(len(specs))], float).T
    age = rng.uniform(low[arch], high[arch])
    created = -age * DAY_S
    for g, start in enumerate(g_start):
        members = np.flatnonzero(grp == g)
        name = specs[arch[members[0]]].name
        m = len(members)
        if name == "hydra":
            n_waves = int(rng.integers(2, 6))
            wave_day = np.sort(np.concatenate([[start - 2], start + rng.integers(-1, 12, n_waves - 1)]))
            wave_day = np.minimum(wave_day, preset.n_days - 1)  # the snapshot ends with the window
            wave_at = wave_day * DAY_S + rng.integers(0, 20, n_waves) * 3600
            w = rng.integers(0, n_waves, m)
            created[members] = wave_at[w] + rng.uniform(0, 4 * 3600, m)
            aged = rng.random(m) < 0.15  # bought, long-standing accounts
            created[members[aged]] = -rng.uniform(200, 1500, aged.sum()) * DAY_S
        elif name == "university_class":
            created[members] = (-rng.integers(20, 60)) * DAY_S + rng.uniform(0, 2 * DAY_S, m)
        elif name == "corporate":
            onboarding = (-rng.integers(30, 300)) * DAY_S + rng.uniform(0, 3 * 3600, m)
            later = -rng.uniform(0, 300, m) * DAY_S
            created[members] = np.where(rng.random(m) < 0.6, onboarding, later)
        else:
            created[members] = start * DAY_S - age[members] * DAY_S
    after = created > end_s  # would sign up after the window: sign up within it instead
    created[after] = rng.uniform(0, end_s, after.sum())
    group_first = np.where(grp >= 0, g_start[np.maximum(grp, 0)], -10_000)
    start_day = np.maximum(np.floor(created / DAY_S).astype(np.int64), group_first)
    return np.floor(created).astype(np.int64), start_day


def accounts_table(preset, rng, arch, grp, specs, account_ids, created_s, country, nets, b, group_net,
                    g_bins, g_card_reuse, g_domain) -> pa.Table:
    n = len(arch)
    names = np.array(A.ARCHETYPE_NAMES)[arch]
    tier = np.empty(n, dtype=np.int64)
    verification = np.empty(n, dtype=np.int64)
    program = np.empty(n, dtype=np.int64)
    email_kind = np.empty(n, dtype=object)
    virtual = np.zeros(n, dtype=bool)
    headless = np.zeros(n, dtype=bool)
    for code, s in enumerate(specs):
        idx = np.flatnonzero(arch == code)
        k = len(idx)
        tier[idx] = rng.choice(3, k, p=s.tiers)
        verification[idx] = rng.choice(4, k, p=s.verification)
        program[idx] = rng.choice(4, k, p=s.programs)
        email_kind[idx] = pick(rng, s.email, k) if k else []
        virtual[idx] = rng.random(k) < s.virtual_card
        headless[idx] = rng.random(k) < s.headless_signup
    companies = [f"{made_up_name(rng)}{rng.choice(_TLDS)}" for _ in range(max(50, n // 15))]
    universities = [f"{made_up_name(rng)}{rng.choice(_UNI_TLDS)}" for _ in range(max(20, n // 200))]
    domain = np.empty(n, dtype=object)
    pools = {"webmail": (WEBMAIL, WEBMAIL_W), "disposable": (DISPOSABLE, None),
             "company": (companies, None), "university": (universities, None)}
    for kind, (pool, w) in pools.items():
        sel = np.flatnonzero(email_kind == kind)
        p = None if w is None else w / w.sum()
        domain[sel] = np.array(pool, dtype=object)[rng.choice(len(pool), len(sel), p=p)]
    # Organisations: a class shares its university's student domain, a firm its own domain.
    for g, dom in enumerate(g_domain):
        members = np.flatnonzero(grp == g)
        if names[members[0]] == "university_class":
            domain[members] = f"students.{dom}{rng.choice(_UNI_TLDS)}"
        elif names[members[0]] == "corporate":
            domain[members] = f"{dom}.com"

    paying = tier > 0
    customer_bins = rng.choice(np.arange(400000, 560000), N_CUSTOMER_BINS, replace=False)
    virtual_bins = rng.choice(np.arange(400000, 560000), N_VIRTUAL_BINS, replace=False)
    popularity = 1 / np.arange(1, N_CUSTOMER_BINS + 1)
    bins = customer_bins[rng.choice(N_CUSTOMER_BINS, n, p=popularity / popularity.sum())]
    from_group = (grp >= 0) & virtual
    bins = np.where(virtual, virtual_bins[rng.integers(0, N_VIRTUAL_BINS, n)], bins)
    bins[from_group] = virtual_bins[g_bins[grp[from_group], rng.integers(0, 3, from_group.sum())]]
    # Payment instruments: own card; a firm pays for all its seats; a hydra reuses cards.
    instrument = np.arange(n) + 10 * n
    for g in range(len(g_domain)):
        members = np.flatnonzero(grp == g)
        if names[members[0]] == "corporate":
            instrument[members] = np.where(rng.random(len(members)) < 0.85, 20 * n + g, instrument[members])
        elif names[members[0]] == "hydra":
            instrument[members] = 30 * n + 1000 * g + np.arange(len(members)) // g_card_reuse[g]
    _, instrument = np.unique(instrument, return_inverse=True)
    fingerprints = hex_ids(rng, int(instrument.max()) + 1, 16).take(pa.array(instrument))
    org = np.full(n, -1)
    own_org = rng.random(n) < np.array([s.org for s in specs])[arch]
    org[own_org] = np.flatnonzero(own_org)
    org_groups = np.isin(names, ["university_class", "corporate"])
    org[org_groups] = n + grp[org_groups]
    _, org_code = np.unique(org, return_inverse=True)
    org_ids = hex_ids(rng, int(org_code.max()) + 1, 6, "org_").take(pa.array(org_code))
    signup_net = b["net_a"] + (rng.integers(0, 1 << 30, n) % b["net_a_len"])
    via_range = (names == "hydra") & (rng.random(n) < 0.35)
    signup_net[via_range] = group_net[grp[via_range]]
    signup_ip, _ = address(nets, signup_net, address_hash(b["salt"], np.full(n, -7)))
    n_browsers = len(SIGNUP_BROWSERS)
    signup_ua = np.where(headless, n_browsers + rng.integers(0, len(SIGNUP_HEADLESS), n), rng.integers(0, n_browsers, n))
    ua_pool = pa.array(SIGNUP_BROWSERS + SIGNUP_HEADLESS)
    null = ~paying
    return pa.table({
        "account_id": account_ids,
        "created_at": pa.array(preset.epoch_us + created_s * 1_000_000, pa.timestamp("us", tz="UTC")),
        "org_id": null_where(org_ids, org < 0),
        "email_domain": pa.array(domain.tolist(), pa.string()),
        "payment_fingerprint": null_where(fingerprints, null),
        "card_bin": null_where(digit_strings(bins, 6), null),
        "billing_country": null_where(pa.array(np.array(COUNTRY_CODES)[country]), null),
        "verification": pa.array(np.array(("none", "email", "phone", "id"))[verification], pa.string()),
        "tier": pa.array(np.array(("free", "paid", "enterprise"))[tier], pa.string()),
        "program": pa.array(np.array(("none", "education", "research", "startup"))[program], pa.string()),
        "signup_ip": signup_ip,
        "signup_user_agent": ua_pool.take(pa.array(signup_ua)),
    })
