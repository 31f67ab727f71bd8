"""A real OpenID Connect provider for the directory tests: django-oauth-toolkit's,
served over TLS by gunicorn from this small project (testsupport/oidc_server.py starts
it). Its people and the one thing it may do wrong on purpose (a wrong audience, an
expired token, a wrong signature) are read from files the test writes."""
