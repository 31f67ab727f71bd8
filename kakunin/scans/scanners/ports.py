"""port-filtering: open TCP ports against the ports the vendor declared for the system.
A bounded connect scan; service names through nmap when it is installed."""

import shutil
import socket
import subprocess
from concurrent.futures import ThreadPoolExecutor

from kakunin.scans.policy import Finding, Outcome, Text, say

NAME = "ports"
NEEDS_HTTP = False
CONTROLS = ["port-filtering"]
CONNECT_TIMEOUT = 1.0


def is_open(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=CONNECT_TIMEOUT):
            return True
    except OSError:
        return False


def usual_name(port: int) -> str:
    try:
        return socket.getservbyport(port, "tcp")
    except OSError:
        return "?"


def nmap_names(address: str, ports: list[int], timeout: float) -> dict[int, str]:
    """What nmap says runs on these ports, when nmap is installed."""
    nmap = shutil.which("nmap")
    names: dict[int, str] = {}
    if not nmap or not ports or timeout <= 0:
        return names
    try:
        out = subprocess.run(  # noqa: S603 (a fixed command; the address was resolved and checked)
            [nmap, "-Pn", "-sV", "--version-light", "-p", ",".join(map(str, ports)), address],
            capture_output=True, text=True, timeout=timeout, check=False,
        ).stdout  # fmt: skip
    except (subprocess.TimeoutExpired, OSError):
        return names
    for line in out.splitlines():
        head = line.split()
        if head and "/tcp" in head[0] and len(head) >= 3 and head[0].split("/")[0].isdigit():
            names[int(head[0].split("/")[0])] = " ".join(head[2:])
    return names


def run(ctx) -> list[Finding]:
    ports = sorted(set(ctx.scan_ports))[:1024]
    with ThreadPoolExecutor(max_workers=32) as pool:
        states = dict(zip(ports, pool.map(lambda p: is_open(ctx.address, p), ports), strict=True))
    ctx.clock.timeout()
    open_ports = [p for p, up in states.items() if up]
    declared = set(ctx.target.ports)
    # Nothing declared: the web ports themselves are what is expected to be open.
    expected = declared or {ctx.target.port, ctx.target.plain_port}
    # What runs on an unexpected port is what the ward needs to know (nmap takes ~6 s).
    names = {p: usual_name(p) for p in open_ports}
    names |= nmap_names(
        ctx.address, [p for p in open_ports if p not in expected], min(ctx.clock.remaining(), 30)
    )

    evidence = [
        {
            "address": ctx.address,
            "scanned": ports,
            "open": [f"{p}/{names.get(p, '?')}" for p in open_ports],
            "declared": sorted(declared),
        }
    ]
    if not declared:
        extra = [p for p in open_ports if p not in expected]
        verdict = Outcome.REVIEW if extra else Outcome.PASS
        return [
            Finding(
                NAME,
                "port-filtering",
                verdict,
                say("申告された公開ポートがありません。開いているポート: ")
                + _list(open_ports, names),
                evidence,
            )
        ]
    undeclared = [p for p in open_ports if p not in declared]
    if undeclared:
        return [
            Finding(
                NAME,
                "port-filtering",
                Outcome.FAIL,
                say("申告にないポートが開いています: ") + _list(undeclared, names),
                evidence,
            )
        ]
    return [
        Finding(
            NAME,
            "port-filtering",
            Outcome.PASS,
            say("開いているポートは申告どおりです: ") + _list(open_ports, names),
            evidence,
        )
    ]


def _list(ports, names) -> Text:
    if not ports:
        return say("なし")
    return Text.of(", ".join(f"{p}（{names.get(p, '?')}）" for p in ports))
