"""A real OpenLDAP slapd for the directory tests: started per test class on free
ports (LDAPS, and plain LDAP for StartTLS) with a certificate from a throwaway CA, its
users and groups shaped as Active Directory's (sAMAccountName, userAccountControl,
groups with `member`). Debian's slapd, installed by .ci/run."""

import shutil
import subprocess
import time
from pathlib import Path

import ldap
import ldap.modlist

from testsupport.servers import Authority, free_ports, temporary_directory, wait_for

# Active Directory's attributes, with AD's own OIDs, for an auxiliary class of the test's.
AD_SCHEMA = """
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.32473.1.1 NAME 'kakuninTestADUser' SUP top AUXILIARY
  MAY ( userAccountControl $ sAMAccountName ) )
"""

NORMAL, DISABLED = 512, 514  # userAccountControl: a normal account, and one disabled


class Slapd:
    def __init__(self, suffix: str = "dc=chiyoda,dc=test"):
        binary = shutil.which("slapd") or "/usr/sbin/slapd"
        if not Path(binary).exists():
            raise RuntimeError("slapd is missing: install Debian's slapd (see .ci/run)")
        self.suffix = suffix
        self.tmp = temporary_directory("kakunin-slapd-")
        (self.tmp / "db").mkdir()
        self.authority = Authority(self.tmp, "Kakunin Test Directory CA")
        cert, key = self.authority.issue("slapd", names=("localhost", "127.0.0.1"))
        (self.tmp / "ad.schema").write_text(AD_SCHEMA)
        self.rootdn, self.rootpw = f"cn=admin,{suffix}", "root-secret-1"
        (self.tmp / "slapd.conf").write_text(
            "include /etc/ldap/schema/core.schema\n"
            "include /etc/ldap/schema/cosine.schema\n"
            "include /etc/ldap/schema/inetorgperson.schema\n"
            f"include {self.tmp}/ad.schema\n"
            f"pidfile {self.tmp}/slapd.pid\n"
            "modulepath /usr/lib/ldap\nmoduleload back_mdb\n"
            f"TLSCACertificateFile {self.authority.path}\n"
            f"TLSCertificateFile {cert}\nTLSCertificateKeyFile {key}\n"
            "database mdb\nmaxsize 10485760\n"
            f'suffix "{suffix}"\nrootdn "{self.rootdn}"\nrootpw {self.rootpw}\n'
            f"directory {self.tmp}/db\n"
            "access to attrs=userPassword by self write by anonymous auth by * none\n"
            "access to * by users read by * none\n"
        )
        self.port, self.plain_port = free_ports(2)
        self.process = None
        self.start()
        self._load()

    # --- the server --------------------------------------------------------------
    def start(self) -> None:
        urls = f"ldaps://127.0.0.1:{self.port}/ ldap://127.0.0.1:{self.plain_port}/"
        self.process = subprocess.Popen(  # noqa: S603 (our own arguments)
            ["/usr/sbin/slapd", "-f", str(self.tmp / "slapd.conf"), "-h", urls, "-d", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_for(self.port, 20)
        except RuntimeError:
            self.process.kill()
            raise RuntimeError(
                f"slapd did not start: {self.process.stderr.read()[-2000:]!r}"
            ) from None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    @property
    def uri(self) -> str:
        return f"ldaps://127.0.0.1:{self.port}"

    @property
    def ca(self) -> str:
        return self.authority.path.read_text()

    def _admin(self):
        connection = ldap.initialize(self.uri, bytes_mode=False)
        connection.set_option(ldap.OPT_X_TLS_CACERTFILE, str(self.authority.path))
        connection.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND)
        connection.set_option(ldap.OPT_X_TLS_NEWCTX, 0)
        connection.simple_bind_s(self.rootdn, self.rootpw)
        return connection

    # --- its entries -------------------------------------------------------------
    def add(self, dn: str, attrs: dict) -> None:
        encoded = {
            k: [v.encode() for v in (vs if isinstance(vs, list) else [vs])]
            for k, vs in attrs.items()
        }
        connection = self._admin()
        connection.add_s(dn, ldap.modlist.addModlist(encoded))
        connection.unbind_s()

    def delete(self, dn: str) -> None:
        connection = self._admin()
        connection.delete_s(dn)
        connection.unbind_s()

    def replace(self, dn: str, attribute: str, values: list[str]) -> None:
        connection = self._admin()
        connection.modify_s(dn, [(ldap.MOD_REPLACE, attribute, [v.encode() for v in values])])
        connection.unbind_s()

    def user_dn(self, login: str, ou: str = "Users") -> str:
        return f"CN={login},OU={ou},{self.suffix}"

    def group_dn(self, name: str) -> str:
        return f"CN={name},OU=Groups,{self.suffix}"

    def add_user(self, login, *, name, mail, password, ou="Users", control=NORMAL) -> str:
        dn = self.user_dn(login, ou)
        attrs = {
            "objectClass": ["inetOrgPerson", "kakuninTestADUser"], "cn": login, "sn": login,
            "sAMAccountName": login, "displayName": name, "mail": mail,
            "userPassword": password, "userAccountControl": str(control),
        }  # fmt: skip
        self.add(dn, {k: v for k, v in attrs.items() if v})
        return dn

    def add_group(self, name: str, members: list[str]) -> str:
        dn = self.group_dn(name)
        self.add(
            dn, {"objectClass": "groupOfNames", "cn": name, "member": members or [self.rootdn]}
        )
        return dn

    def set_members(self, group: str, members: list[str]) -> None:
        self.replace(self.group_dn(group), "member", members or [self.rootdn])

    def _load(self) -> None:
        top = self.suffix.split(",")[0].split("=")[1]
        self.add(self.suffix, {"objectClass": ["dcObject", "organization"], "dc": top, "o": top})
        for ou in ("Users", "Groups", "Other"):
            self.add(f"OU={ou},{self.suffix}", {"objectClass": "organizationalUnit", "ou": ou})
        self.service_dn = self.add_user(
            "kakunin-svc",
            name="Kakunin 検索用",
            mail="svc@example.invalid",
            password="Bind-Secret-2026",  # noqa: S106 (the test directory's search account)
        )


def wait_until_down(port: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            wait_for(port, 0.1)
        except RuntimeError:
            return
        time.sleep(0.05)
