"""Where the scanner may go, how fast, and how findings become one verdict."""

import socket
import time
from unittest import mock

from django.test import SimpleTestCase, override_settings

from kakunin.scans.policy import Outcome, overall
from kakunin.scans.safety import Clock, Limits, OutOfTime, Refused, check_address, resolve

P, F, R, U = Outcome.PASS, Outcome.FAIL, Outcome.REVIEW, Outcome.UNKNOWN


def answers(*ips):
    return [
        (socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, 443))
        for ip in ips
    ]


@override_settings(SCAN_ALLOW_LOOPBACK=False, SCAN_ALLOW_PRIVATE=False)
class Addresses(SimpleTestCase):
    def test_special_addresses_are_refused(self):
        for ip in ["127.0.0.1", "::1", "10.0.0.5", "172.16.3.4", "192.168.1.1", "169.254.169.254", "fe80::1",
                   "0.0.0.0", "224.0.0.1", "::ffff:127.0.0.1", "100.64.0.1", "fc00::1"]:  # fmt: skip
            with self.subTest(ip=ip), self.assertRaises(Refused):
                check_address(ip)
        check_address("8.8.8.8")
        check_address("2001:4860:4860::8888")

    def test_an_ipv6_address_carrying_an_ipv4_one_is_checked_by_the_ipv4_one(self):
        """Issue 23.14: NAT64 and 6to4 prefixes were accepted and probed."""
        carrying = {
            "64:ff9b::10.0.0.1": "10.0.0.1",  # NAT64, well-known prefix
            "64:ff9b::a9fe:a9fe": "169.254.169.254",
            "64:ff9b::127.0.0.1": "127.0.0.1",
            "2002:c0a8:0101::1": "192.168.1.1",  # 6to4
            "2002:7f00:1::": "127.0.0.1",
            "::10.0.0.1": "10.0.0.1",  # IPv4-compatible (deprecated)
        }
        for ip, inner in carrying.items():
            with self.subTest(ip=ip), self.assertRaises(Refused) as refused:
                check_address(ip)
            self.assertIn(inner, str(refused.exception))
        for ip in (
            "64:ff9b:1::a00:1",
            "64:ff9b:1::808:808",
            "2001:0:4136:e378:8000:63bf:f5ff:fffe",
        ):
            with self.subTest(ip=ip), self.assertRaises(Refused):
                check_address(ip)  # local-use NAT64, Teredo: internal
        for ip in ("64:ff9b::8.8.8.8", "2002:808:808::1"):
            with self.subTest(ip=ip):
                check_address(ip)  # they reach a public host

    def test_names_are_resolved_first_and_every_answer_checked(self):
        with mock.patch("socket.getaddrinfo", return_value=answers("93.184.216.34")):
            self.assertEqual(resolve("www.example.lg.jp", 443), "93.184.216.34")
        # A name that also answers with an internal address (DNS rebinding) is refused outright.
        with mock.patch("socket.getaddrinfo", return_value=answers("93.184.216.34", "10.0.0.1")):
            with self.assertRaisesMessage(Refused, "10.0.0.1"):
                resolve("rebind.example", 443)
        with mock.patch(
            "socket.getaddrinfo",
            side_effect=socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
        ):
            with self.assertRaisesMessage(Refused, "ホスト名 nowhere.invalid を解決できません"):
                resolve("nowhere.invalid", 443)

    def test_localhost_by_name_is_refused_after_resolving(self):
        with self.assertRaisesMessage(Refused, "ループバックアドレス"):
            resolve("localhost", 443)

    @override_settings(SCAN_ALLOW_LOOPBACK=True)
    def test_the_loopback_setting_allows_loopback_only(self):
        check_address("127.0.0.1")
        with self.assertRaises(Refused):
            check_address("10.0.0.5")

    @override_settings(SCAN_ALLOW_PRIVATE=True, SCAN_ALLOW_LOOPBACK=False)
    def test_the_private_setting_allows_internal_networks_only(self):
        """LGWAN's systems have private addresses; Kakunin's own host (loopback: its
        Redis, its database) and cloud metadata (link-local) stay out of reach."""
        for ip in ("10.0.0.5", "172.16.3.4", "192.168.1.1", "100.64.0.1", "fd00::1",
                   "64:ff9b::10.0.0.1"):  # fmt: skip
            with self.subTest(ip=ip):
                check_address(ip)
        for ip in ("127.0.0.1", "::1", "169.254.169.254", "fe80::1", "0.0.0.0", "224.0.0.1",
                   "192.0.2.1", "240.0.0.1", "64:ff9b::127.0.0.1", "64:ff9b:1::a00:1"):  # fmt: skip
            with self.subTest(ip=ip), self.assertRaises(Refused):
                check_address(ip)


class Pace(SimpleTestCase):
    def limits(self, **kwargs):
        return Limits(
            **(
                {
                    "timeout": 5,
                    "budget": 60,
                    "interval": 0,
                    "max_pages": 20,
                    "max_depth": 2,
                    "max_body": 1000,
                }
                | kwargs
            )
        )

    def test_requests_are_spaced_by_the_interval(self):
        clock = Clock(self.limits(interval=0.05))
        started = time.monotonic()
        for _ in range(5):
            clock.pace()
        self.assertGreaterEqual(time.monotonic() - started, 0.2)  # four waits, at least

    def test_the_budget_runs_out(self):
        clock = Clock(self.limits(budget=0.05))
        self.assertLessEqual(clock.timeout(), 0.05)
        time.sleep(0.06)
        with self.assertRaises(OutOfTime):
            clock.timeout()
        with self.assertRaises(OutOfTime):
            clock.pace()


class Policy(SimpleTestCase):
    def test_one_verdict_per_item(self):
        self.assertEqual(overall([P, F, U]), F)
        self.assertEqual(overall([P, R]), R)
        self.assertEqual(overall([P, U]), P)  # SSLv3 unknown does not undo TLS 1.0/1.1 refused
        self.assertEqual(overall([U, U]), U)
        self.assertEqual(overall([]), U)
