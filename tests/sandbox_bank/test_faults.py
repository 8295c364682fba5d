"""Every fault kind is observable from outside, is logged with its request, and is reproducible from the seed."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import requests
from lxml import etree

from sandbox_bank.faults import FAULT_KINDS, FaultPlan, FaultSpecError, parse_spec
from tests.sandbox_bank.bank_harness import PAYER, info, parse, payment_record, records, verify_answer, xml_request


def wait_debits(bank, n: int, timeout: float = 5.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        debits = bank.report()["debits"]
        if len(debits) >= n or time.monotonic() > deadline:
            return debits
        time.sleep(0.1)


def logged_kinds(bank) -> set[str]:
    return {f["kind"] for f in bank.report()["faults"]}


def balance_query() -> bytes:
    return xml_request("GetAccInfo", [("SDKACINFX", {"ACCNBR": PAYER})])


@pytest.mark.parametrize("kind", ["drop_request", "http5xx_before", "http200_business_error"])
def test_pre_faults_execute_nothing(start, kind):
    bank = start("--faults", f"{kind}=1")
    if kind == "drop_request":
        with pytest.raises(requests.exceptions.ConnectionError):
            bank.pay(payment_record("F-PRE", "1.00"))
    else:
        r = bank.pay(payment_record("F-PRE", "1.00"))
        if kind == "http5xx_before":
            assert r.status_code == 503
        else:
            assert r.status_code == 200 and info(parse(r.content))["RETCOD"] == "-9"
    time.sleep(0.6)
    assert bank.report()["debits"] == []
    assert logged_kinds(bank) == {kind}


@pytest.mark.parametrize("kind", ["drop_answer", "http5xx_after", "reset_mid_answer", "slow_answer"])
def test_post_faults_execute_then_break_the_answer(start, kind):
    bank = start("--faults", f"{kind}=1", "--slow-seconds", "1.5")
    if kind == "http5xx_after":
        assert bank.pay(payment_record("F-POST", "1.00")).status_code == 500
    else:
        with pytest.raises(
            (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError, requests.exceptions.Timeout)
        ):
            bank.pay(payment_record("F-POST", "1.00"), timeout=0.7)
    debits = wait_debits(bank, 1)
    assert [d["client_reference"] for d in debits] == ["F-POST"]
    assert logged_kinds(bank) == {kind}


def test_rate_limit_hits_queries_not_payments(start):
    bank = start("--faults", "rate_limit=1")
    r = bank.pay(payment_record("F-RL", "1.00"))
    assert info(parse(r.content))["RETCOD"] == "0"
    head = info(parse(bank.post(balance_query()).content))
    assert head["RETCOD"] == "-3" and head["ERRMSG"].startswith("RATE_LIMIT")


def test_duplicate_answer(start):
    bank = start("--faults", "duplicate_answer=1")
    recs = records(parse(bank.pay(payment_record("F-DUP", "1.00")).content), "NTQPAYRQZ")
    assert [r["YURREF"] for r in recs] == ["F-DUP", "F-DUP"]
    assert len(wait_debits(bank, 1)) == 1


def test_stale_answer_carries_another_reference(start):
    bank = start("--faults", "stale_answer=1")
    first = records(parse(bank.pay(payment_record("F-ST-A", "1.00")).content), "NTQPAYRQZ")
    assert first[0]["YURREF"] == "F-ST-A"  # nothing else to be stale about yet
    second = records(parse(bank.pay(payment_record("F-ST-B", "1.00")).content), "NTQPAYRQZ")
    assert second[0]["YURREF"] == "F-ST-A"
    assert len(wait_debits(bank, 2)) == 2


@pytest.mark.parametrize("kind", ["out_of_order_status", "no_record"])
def test_status_faults(start, kind):
    bank = start("--faults", f"{kind}=1")
    bank.pay(payment_record("F-STS", "1.00"))
    assert len(wait_debits(bank, 1)) == 1  # the bank executed it ...
    r = bank.post(xml_request("NTQRYSTY", [("NTQRYSTYX1", {"YURREF": "F-STS"})]))
    recs = records(parse(r.content), "NTSTLLSTZ")
    if kind == "no_record":
        assert recs == []  # ... but says it has no record
    else:
        assert [(x["REQSTS"], x["RTNFLG"]) for x in recs] == [("NTE", "")]  # ... and goes backwards


def test_malformed_xml_after_executing(start):
    bank = start("--faults", "malformed_xml=1")
    r = bank.pay(payment_record("F-MAL", "1.00"))
    with pytest.raises(etree.XMLSyntaxError):
        parse(r.content)
    assert len(wait_debits(bank, 1)) == 1


def test_bad_signature_on_the_answer(start):
    clean = start()
    r = clean.post(balance_query())
    assert verify_answer(clean.state, r.content, r.headers["X-BD-Signature"])
    bank = start("--faults", "bad_signature=1")
    r = bank.post(balance_query())
    assert info(parse(r.content))["RETCOD"] == "0"
    assert not verify_answer(bank.state, r.content, r.headers["X-BD-Signature"])


def test_clock_skew(start):
    bank = start("--faults", "clock_skew=1")
    r = bank.post(balance_query())
    head = info(parse(r.content))
    stamp = dt.datetime.strptime(head["SYSDAT"] + head["SYSTIM"], "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
    assert 590 <= abs((stamp - dt.datetime.now(dt.UTC)).total_seconds()) <= 615
    assert verify_answer(bank.state, r.content, r.headers["X-BD-Signature"])


def test_fault_sequence_replays_from_the_seed(start):
    outcomes = []
    for _ in range(2):
        bank = start("--seed", "42", "--faults", "http200_business_error=0.5")
        outcomes.append([info(parse(bank.post(balance_query()).content))["RETCOD"] for _ in range(12)])
        assert {f["kind"] for f in bank.report()["faults"]} <= {"http200_business_error"}
        assert len(bank.report()["faults"]) == outcomes[-1].count("-9")
    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0]) == {"0", "-9"}


def test_every_listed_kind_has_a_test_here():
    covered = {
        "drop_request",
        "http5xx_before",
        "http200_business_error",
        "rate_limit",
        "drop_answer",
        "slow_answer",
        "http5xx_after",
        "reset_mid_answer",
        "duplicate_answer",
        "stale_answer",
        "out_of_order_status",
        "no_record",
        "malformed_xml",
        "bad_signature",
        "clock_skew",
    }
    assert covered == set(FAULT_KINDS)


def test_parse_spec():
    assert parse_spec("drop_request=0.5, no_record=1") == {"drop_request": 0.5, "no_record": 1.0}
    everything = parse_spec("all=0.1,no_record=0")
    assert set(everything) == set(FAULT_KINDS) - {"no_record"}
    for bad in ("nope=0.1", "drop_request", "drop_request=2", "drop_request=x"):
        with pytest.raises(FaultSpecError):
            parse_spec(bad)


def test_plan_is_deterministic_and_respects_applicability():
    plan = FaultPlan(parse_spec("all=0.3"), seed=9)
    a = [plan.decide(i, "payment").kind for i in range(200)]
    assert a == [FaultPlan(parse_spec("all=0.3"), seed=9).decide(i, "payment").kind for i in range(200)]
    assert a != [FaultPlan(parse_spec("all=0.3"), seed=10).decide(i, "payment").kind for i in range(200)]
    assert not {"rate_limit", "no_record", "out_of_order_status"} & set(a)
    only = FaultPlan({"rate_limit": 1.0}, seed=1)
    assert only.decide(1, "payment").kind is None
    assert only.decide(1, "query").kind == "rate_limit"
