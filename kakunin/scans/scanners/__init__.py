"""One module per check. Each has NAME, CONTROLS (the controls it answers, see
catalog/data/vocabulary/controls.yaml)
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
