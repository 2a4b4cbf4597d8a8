"""pytest fixtures for testing a checkout against a local WeChat Pay (``wxpay sandbox``).

Installed with the package and loaded by pytest automatically (entry point ``pytest11``):

- ``wxpay_sandbox``: one :class:`wxpay.testing.Sandbox` for the session (fast notifications);
- ``wxpay_client``: a :class:`wxpay.Client` for its test merchant.

The fixtures start nothing unless a test asks for them. TEST ONLY.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from . import Client
from .testing import Sandbox


@pytest.fixture(scope="session")
def wxpay_sandbox() -> Iterator[Sandbox]:
    """A running ``wxpay sandbox`` for the whole session (``WXPAY_CLI`` or ``wxpay`` on PATH)."""
    sandbox = Sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def wxpay_client(wxpay_sandbox: Sandbox) -> Client:
    """A client for the sandbox's test merchant."""
    return wxpay_sandbox.client()
