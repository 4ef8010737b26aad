"""Client strings: the SDKs, scripts and browsers requests and sign-ups come from.

Distillers use the same ordinary clients as customers; only a few sign up headless.
"""

from __future__ import annotations

from simulation.archetypes import UA_FAMILIES

BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.{m} Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_{m} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
)
HEADLESS = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/{v}.0.0.0 Safari/537.36"
_CLIENTS = {
    "sdk_python": "apiclient-python/1.{m}.{p}", "sdk_node": "apiclient-node/4.{m}.{p}",
    "requests": "python-requests/2.{m}.{p}", "httpx": "python-httpx/0.{m}.{p}", "curl": "curl/8.{m}.{p}",
    "agent_cli": "devagent-cli/0.{m}.{p}", "sdk_java": "apiclient-java/2.{m}.{p}", "sdk_go": "apiclient-go/0.{m}.{p}",
}
UA_VERSIONS = 6  # versions of each client family in circulation
# What people sign up with: browsers, and a few headless ones scripts drive.
SIGNUP_BROWSERS = [BROWSERS[i % 4].format(v=118 + i % 8, m=i % 6) for i in range(24)]
SIGNUP_HEADLESS = [HEADLESS.format(v=119 + i) for i in range(4)]


def user_agents() -> list[str]:
    """The client strings in circulation: family f, version v at index f * UA_VERSIONS + v."""
    out = []
    for fam in UA_FAMILIES:
        for v in range(UA_VERSIONS):
            if fam == "browser":
                out.append(BROWSERS[v % len(BROWSERS)].format(v=120 + v, m=v))
            else:
                out.append(_CLIENTS[fam].format(m=20 + 3 * v, p=v % 4))
    return out
