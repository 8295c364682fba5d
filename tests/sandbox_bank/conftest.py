from __future__ import annotations

import pytest

from tests.sandbox_bank.bank_harness import make_template, start_bank


@pytest.fixture(scope="session")
def bank_template(tmp_path_factory):
    return make_template(tmp_path_factory.mktemp("sandbox-bank"))


@pytest.fixture
def start(bank_template, tmp_path):
    """start(*serve_args) -> Bank; every bank is stopped (SIGTERM) at teardown."""
    banks = []

    def _start(*args: str):
        bank = start_bank(bank_template, tmp_path / f"bank{len(banks)}", *args)
        banks.append(bank)
        return bank

    yield _start
    for bank in banks:
        bank.stop()


@pytest.fixture
def bank(start):
    return start()
