from tests.proxies.conftest import active_grant, make_grant  # noqa: F401
