import emulator
import pytest


@pytest.fixture(scope="session")
def endpoint():
    """One moto server per pytest process; each root resets it before it starts."""
    with emulator.start() as url:
        yield url
