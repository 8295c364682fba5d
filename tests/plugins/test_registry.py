"""Registry: manifest validation, entry points, and the exception boundary around every connector call."""

from __future__ import annotations

import dataclasses

import pytest

from app.domain.errors import BankRejected, BankUnavailable, OperationalError, OutcomeUnknown, ValidationFailed
from app.plugins import registry as reg
from app.ports.bank import BankPluginContext, Capability, SignedSubmission
from bank_plugins.cmb_fbsdk.manifest import MANIFEST


def test_builtins_load_and_validate():
    r = reg.load_registry(include_entry_points=False)
    assert r.ids() == ["cmb_fbsdk", "iso20022"]


@pytest.mark.parametrize(("change", "fragment"), [
    ({"id": "CMB"}, "must match"), ({"id": "9cmb"}, "must match"), ({"id": "cmb-fbsdk"}, "must match"),
    ({"api_version": "2.0"}, "not compatible"), ({"api_version": "1.9"}, "not compatible"),
    ({"api_version": "x"}, "M.m"), ({"capabilities": frozenset()}, "capabilities"),
    ({"bank": " "}, "no bank"),
])
def test_bad_manifests_are_refused(change, fragment):
    bad = dataclasses.replace(MANIFEST, **change)
    problems = reg.manifest_problems(bad)
    assert any(fragment in p for p in problems), problems


def test_limits_validation():
    limits = dataclasses.replace(MANIFEST.limits, max_batch_size=1, quiet_hours=(("25:00", "01:00"),))
    problems = reg.manifest_problems(dataclasses.replace(MANIFEST, limits=limits))
    assert len(problems) == 2


class _Plugin:
    def __init__(self, manifest, connector):
        self.manifest = manifest
        self._connector = connector

    def create_connector(self, context):
        return self._connector


class _Exploding:
    def __init__(self, exc):
        self.exc = exc

    def __getattr__(self, name):
        def boom(*args, **kwargs):
            raise self.exc
        return boom


def _guarded(exc):
    m = dataclasses.replace(MANIFEST, id="fake_bank")
    r = reg.PluginRegistry([reg.RegisteredPlugin(_Plugin(m, _Exploding(exc)), "test")])
    return r.connector("fake_bank", BankPluginContext(transport=None))


SUB = SignedSubmission("fake_bank", ("R1",), b"<x/>", b"sig", "id", "alg", "00")


def test_timeouts_after_a_payment_send_become_outcome_unknown():
    with pytest.raises(OutcomeUnknown):
        _guarded(TimeoutError("read timed out")).send_submission(SUB)
    with pytest.raises(OutcomeUnknown):
        _guarded(KeyError("bug after send")).send_submission(SUB)
    with pytest.raises(BankUnavailable):
        _guarded(ConnectionRefusedError()).send_submission(SUB)


def test_query_errors_become_bank_unavailable_or_operational():
    with pytest.raises(BankUnavailable):
        _guarded(TimeoutError()).get_balances(["1"])
    with pytest.raises(BankUnavailable):
        _guarded(ConnectionResetError()).query_status(["R1"])
    with pytest.raises(OperationalError) as info:
        _guarded(ZeroDivisionError()).get_balances(["1"])
    assert info.value.code == "PLUGIN_FAILURE"


def test_bank_codes_become_bank_rejected_and_typed_errors_pass_through():
    class Refused(Exception):
        bank_code = "AM04"

    with pytest.raises(BankRejected) as info:
        _guarded(Refused("insufficient")).get_balances(["1"])
    assert info.value.bank_code == "AM04"
    with pytest.raises(ValidationFailed):
        _guarded(ValidationFailed([])).prepare_submission([], None)


def test_duplicate_and_unknown_ids():
    p = _Plugin(MANIFEST, None)
    r = reg.PluginRegistry([reg.RegisteredPlugin(p, "builtin")])
    with pytest.raises(reg.PluginError):
        r.add(reg.RegisteredPlugin(p, "ep"))
    with pytest.raises(reg.PluginError) as info:
        r.manifest("nope")
    assert info.value.code == "PLUGIN_NOT_FOUND"


def test_broken_entry_points_are_skipped_and_reported(monkeypatch):
    class EP:
        name, value = "evil", "evil_pkg:PLUGIN"

        def load(self):
            return _Plugin(dataclasses.replace(MANIFEST, id="Evil"), None)

    class Shadow(EP):
        name, value = "shadow", "shadow_pkg:PLUGIN"

        def load(self):
            return _Plugin(MANIFEST, None)  # tries to take the built-in id

    class Good(EP):
        name, value = "good", "good_pkg:make"

        def load(self):
            return lambda: _Plugin(dataclasses.replace(MANIFEST, id="good_bank",
                                                       capabilities=frozenset({Capability.BALANCE})), None)

    monkeypatch.setattr(reg, "entry_points", lambda group: [EP(), Shadow(), Good()])
    r = reg.load_registry()
    assert r.ids() == ["cmb_fbsdk", "good_bank", "iso20022"]
    assert len(r.errors) == 2
