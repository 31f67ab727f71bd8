"""One module per check. Each has NAME, ITEMS (the form's item numbers it answers)
and run(ctx) -> list[Finding]. Passive checks only read; active ones need a
recorded authorisation."""

from kakunin.scans.scanners import (
    active,
    admin,
    certificate,
    disclosure,
    files,
    https,
    pages,
    ports,
    tls,
)

PASSIVE = [tls, certificate, https, disclosure, files, admin, ports, pages]
ACTIVE = [active]
