"""The address space: ISPs, mobile carriers, clouds, VPNs, campuses and corporate NATs.

An address is a pure function of (account, slot): a home line keeps its address for a
lease of days, a rotating proxy changes it every session. Big ISPs, carrier-grade NAT,
campuses and corporate NATs make unrelated accounts share /24 ranges, as they do for real;
a residential proxy exit is an ordinary ISP address, so the range alone convicts nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulation.encoding import mix64

# country, weight among customers, UTC offset (hours) of its business day
COUNTRIES = (
    ("US", 0.30, -5), ("GB", 0.06, 0), ("DE", 0.06, 1), ("FR", 0.04, 1), ("IN", 0.08, 5),
    ("BR", 0.05, -3), ("JP", 0.05, 9), ("KR", 0.03, 9), ("CA", 0.04, -5), ("NL", 0.03, 1),
    ("SG", 0.03, 8), ("VN", 0.03, 7), ("ID", 0.03, 7), ("PL", 0.03, 1), ("ES", 0.03, 1),
    ("AU", 0.03, 10), ("MX", 0.04, -6),
)
COUNTRY_CODES = tuple(c for c, _, _ in COUNTRIES)
COUNTRY_WEIGHTS = np.array([w for _, w, _ in COUNTRIES]) / sum(w for _, w, _ in COUNTRIES)
COUNTRY_TZ = np.array([tz for _, _, tz in COUNTRIES], dtype=np.int64)
IP_KINDS = ("residential", "mobile", "datacenter", "vpn_proxy", "unknown")
RESIDENTIAL, MOBILE, DATACENTER, VPN, UNKNOWN = range(5)
_CLOUD_COUNTRIES = ("US", "US", "DE", "NL", "SG", "JP", "IN", "BR")
_VPN_COUNTRIES = ("NL", "US", "SG", "DE", "GB")


@dataclass
class Networks:
    """One row per network; prefixes: /24 text ending in '.' (IPv4) or a /48's three groups (IPv6)."""

    kind: np.ndarray  # IP_KINDS code
    country: np.ndarray  # index into COUNTRY_CODES
    asn: np.ndarray  # int32
    prefix_start: np.ndarray
    n_prefixes: np.ndarray
    host_n: np.ndarray  # how many host addresses a prefix offers (a NAT has a handful)
    v6: np.ndarray  # bool
    prefixes: pa.StringArray

    def of(self, kind: int) -> np.ndarray:
        return np.flatnonzero(self.kind == kind)


class _Builder:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.rows: list[tuple[int, int, int, int, bool]] = []  # kind, country, n, hosts, v6

    def add(self, kind: int, country: int, n_prefixes: int, hosts: int = 254, v6: bool = False) -> int:
        self.rows.append((kind, country, n_prefixes, hosts, v6))
        return len(self.rows) - 1

    def build(self) -> Networks:
        kind, country, n, hosts, v6 = (np.array(col) for col in zip(*self.rows))
        total = int(n.sum())
        start = np.cumsum(n) - n
        v6_rows = np.repeat(v6, n)
        # Unique public /24s: first octet avoids private, loopback and multicast space.
        firsts = np.setdiff1d(np.arange(1, 224), [10, 100, 127, 169, 172, 192, 198, 203])
        codes = self.rng.choice(len(firsts) * 65536, size=total, replace=False)
        v4 = [f"{firsts[c // 65536]}.{(c // 256) % 256}.{c % 256}." for c in codes]
        g = self.rng.integers(0, 65536, size=(total, 2))
        v6_text = [f"2a0{1 + c % 9}:{a:x}:{b:x}" for c, (a, b) in zip(codes, g)]
        prefixes = pa.array([b if six else a for a, b, six in zip(v4, v6_text, v6_rows)], pa.string())
        asn = self.rng.choice(np.arange(1000, 64000), size=len(kind), replace=False).astype(np.int32)
        return Networks(kind, country, asn, start, n, hosts, v6.astype(bool), prefixes)


def build_networks(
    rng: np.random.Generator, n_campuses: int, n_corporate: int, n_signup_ranges: int
) -> tuple[Networks, np.ndarray, np.ndarray, np.ndarray]:
    """All networks; returns also the campus, corporate-NAT and sign-up-range network ids.

    A sign-up range is the one /24 through which a hydra opens part of each wave.
    """
    b = _Builder(rng)
    for c in range(len(COUNTRIES)):
        for isp in range(3):
            b.add(RESIDENTIAL, c, 120, v6=(isp == 2 and c % 3 == 0))
        for _ in range(2):
            b.add(MOBILE, c, 10, v6=(c % 4 == 1))
        b.add(DATACENTER, c, 30)  # local hosting
    for name in _CLOUD_COUNTRIES:
        b.add(DATACENTER, COUNTRY_CODES.index(name), 200)
    for name in _VPN_COUNTRIES:
        b.add(VPN, COUNTRY_CODES.index(name), 20)
    country = rng.choice(len(COUNTRIES), size=n_campuses + n_corporate + 60, p=COUNTRY_WEIGHTS)
    campuses = np.array([b.add(RESIDENTIAL, int(country[i]), 1) for i in range(n_campuses)], dtype=np.int64)
    # Corporate NATs: the group's own plus small firms whose staff appear in the logs too.
    corporate = np.array(
        [b.add(DATACENTER, int(country[n_campuses + i]), 1, hosts=4) for i in range(n_corporate + 60)],
        dtype=np.int64,
    )
    signup = np.array([b.add(VPN, int(rng.choice(len(COUNTRIES), p=COUNTRY_WEIGHTS)), 1)
                       for _ in range(n_signup_ranges)], dtype=np.int64)
    return b.build(), campuses, corporate, signup


_HOSTS = pa.array([str(i) for i in range(256)])
_GROUPS = pa.array([f"{i:x}" for i in range(65536)])


def address(net: Networks, network: np.ndarray, h: np.ndarray) -> tuple[pa.StringArray, np.ndarray]:
    """Address text and prefix id of one host per row, chosen in `network` by hash `h`."""
    prefix = net.prefix_start[network] + (h % net.n_prefixes[network].astype(np.uint64)).astype(np.int64)
    host = 1 + ((h >> np.uint64(20)) % net.host_n[network].astype(np.uint64)).astype(np.int64)
    six = net.v6[network]
    pieces = net.prefixes.take(pa.array(prefix))
    v4 = pc.binary_join_element_wise(pieces, _HOSTS.take(pa.array(host)), "")
    if not six.any():
        return v4, prefix
    groups = [_GROUPS.take(pa.array(((h >> np.uint64(s)) & np.uint64(0xFFFF)).astype(np.int64)))
              for s in (4, 16, 28, 40, 48)]
    v6 = pc.binary_join_element_wise(pieces, *groups, ":")
    return pc.if_else(pa.array(six), v6, v4), prefix


def address_hash(account_salt: np.ndarray, slot: np.ndarray) -> np.ndarray:
    return mix64(account_salt ^ mix64(slot.astype(np.uint64)))
