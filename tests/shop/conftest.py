import pytest


@pytest.fixture(autouse=True)
def _fresh_health_cache():
    """Each test sees Temporal's real state, not the answer cached by the previous test."""
    from shop.views import temporal_probe

    temporal_probe.reset()
    yield
    temporal_probe.reset()
