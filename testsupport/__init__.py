"""What the tests (and `make bench`) share, outside the `kakunin` package so that
production never imports it (an import-linter contract in pyproject.toml says so):

- fixtures.py: users, systems, the checklist, a filled assessment, BaseTestCase;
- browser.py: BrowserTestCase (Playwright driving Debian's /usr/bin/chromium) and axe;
- servers.py: real servers for tests (nginx, a certificate authority, free ports);
- sites.py: the farm of deliberately weak and hardened web sites the scanner checks;
- pytest_env.py: the environment set before pytest-django reads the settings.
"""
