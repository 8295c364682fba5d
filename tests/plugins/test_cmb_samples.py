"""Every real CMB FBSDK sample parses; rebuilt requests carry the same fields (../shared/reference)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bank_plugins.cmb_fbsdk import codec
from bank_plugins.cmb_fbsdk.envelope import CmbMessage, build_message, parse_message

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "china" / "sinri_CMBFirmBankSDK" / \
    "extracted_xml"
FILES = sorted(SAMPLES.glob("*.xml")) if SAMPLES.is_dir() else []
needs_samples = pytest.mark.skipif(not FILES, reason=f"CMB samples not found at {SAMPLES} (../shared missing)")


def _clean(msg: CmbMessage) -> tuple[dict, list]:
    """Field values as the bank means them (surrounding whitespace in the samples is layout)."""
    return ({k: v.strip() for k, v in msg.info.items()},
            [(name, {k: v.strip() for k, v in fields.items()}) for name, fields in msg.blocks])


@needs_samples
def test_there_are_fifty_samples():
    assert len(FILES) == 50


@needs_samples
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_sample_parses_and_rebuilds_to_the_same_fields(path):
    original = parse_message(path.read_bytes())
    assert original.funnam
    assert original.info["DATTYP"].strip() == "2"
    wire = build_message(original)
    assert wire.startswith(b'<?xml version="1.0" encoding="GBK"?>')
    wire.decode("gbk")  # GBK on the wire
    again = parse_message(wire)
    assert _clean(again) == _clean(original)
    assert [n for n, _ in again.blocks] == [n for n, _ in original.blocks]
    assert [list(f) for _, f in again.blocks] == [list(f) for _, f in original.blocks]  # same field order


def _load(name: str) -> CmbMessage:
    return parse_message((SAMPLES / name).read_bytes())


@needs_samples
def test_payment_request_sample_round_trips_through_the_typed_model():
    msg = _load("DirectPayment.request.xml")
    (rec,) = [{k: v.strip() for k, v in r.items()} for r in msg.records("DCOPDPAYX")]
    instr = codec.instruction_from_record(rec)
    assert instr.amount_minor == 101 and instr.currency == "CNY" and instr.payee_name == "反洗钱测试二"
    header = {k: v.strip() for k, v in msg.first("SDKPAYRQX").items()}
    wire = codec.build_payment_request([instr], login_name=msg.info["LGNNAM"].strip(),
                                       buscod=header["BUSCOD"], busmod=header["BUSMOD"])
    rebuilt = parse_message(wire)
    assert rebuilt.funnam == "DCPAYMNT"
    assert rebuilt.first("DCOPDPAYX") == rec  # same field set, same values
    assert rebuilt.first("SDKPAYRQX") == header


@needs_samples
def test_status_query_sample_round_trips():
    msg = _load("GetPaymentResultByReferenceNo.request.xml")
    rec = {k: v.strip() for k, v in msg.first("NTQRYSTYX1").items()}
    extra = {k: rec[k] for k in rec if k not in ("BUSCOD", "YURREF")}
    wire = codec.build_status_query(rec["YURREF"], login_name="QGZ01", buscod=rec["BUSCOD"], extra=extra)
    assert parse_message(wire).first("NTQRYSTYX1") == rec


@needs_samples
@pytest.mark.parametrize(("name", "funnam", "tag"), [
    ("GetAccountInfo.request.xml", "GetAccInfo", "SDKACINFX"),
    ("GetBalanceInfo.request.xml", "NTQADINF", "NTQADINFX"),
])
def test_balance_query_samples_round_trip(name, funnam, tag):
    msg = _load(name)
    recs = [{k: v.strip() for k, v in r.items()} for r in msg.records(tag)]
    branches = {r["BBKNBR"] for r in recs}
    assert len(branches) == 1
    wire = codec.build_balance_query([r["ACCNBR"] for r in recs], login_name="X", branch=branches.pop(),
                                     funnam=funnam)
    assert parse_message(wire).records(tag) == recs


@needs_samples
def test_transaction_query_sample_round_trips():
    msg = _load("GetTransactionInfo.request.xml")
    rec = {k: v.strip() for k, v in msg.first("SDKTSINFX").items()}
    d_from = codec.parse_wire_date(rec["BGNDAT"])
    d_to = codec.parse_wire_date(rec["ENDDAT"])
    extra = {k: v for k, v in rec.items() if k not in ("BBKNBR", "ACCNBR", "BGNDAT", "ENDDAT")}
    wire = codec.build_transactions_query(rec["ACCNBR"], d_from, d_to, login_name="ZL01", branch=rec["BBKNBR"],
                                          extra=extra)
    assert parse_message(wire).first("SDKTSINFX") == rec


@needs_samples
def test_status_by_number_sample_round_trips():
    msg = _load("GetPaymentInfo.request.xml")
    rec = {k: v.strip() for k, v in msg.first("NTSTLINFX").items()}
    assert parse_message(codec.build_status_by_number(rec["REQNBR"], login_name="PAY1")).first("NTSTLINFX") == rec


@needs_samples
def test_response_samples_map_to_value_types():
    from datetime import UTC, datetime

    from app.domain.payment import PaymentStatus

    now = datetime(2025, 1, 1, tzinfo=UTC)
    balances, refused = codec.parse_balance_answer(_load("GetAccountInfo.response.xml"), now=now)
    assert not refused
    assert [(b.account, b.available_minor, b.ledger_minor) for b in balances] == [
        ("769900003510702", 89581021134, 99999724420), ("769900003510901", 999596454225, 999601703645)]
    balances, _ = codec.parse_balance_answer(_load("GetBalanceInfo.response.xml"), now=now)
    assert balances[0].ledger_minor == 9998998071216 and balances[1].available_minor == 0

    (report,) = codec.parse_status_answer(_load("GetPaymentResultByReferenceNo.response.xml"),
                                          "SA201510271C20E25406554A87B581")
    assert report.status is PaymentStatus.SUCCEEDED and report.amount_minor == 1210
    assert report.bank_reference == "0000977509"
    listing = _load("GetPaymentResultList.response.xml")
    assert codec.parse_status_answer(listing, "201704181043591")[0].status is PaymentStatus.AWAITING_BANK_AUTH
    (pending,) = codec.parse_status_answer(_load("GetPaymentInfo.response.xml"), "201501091430")
    assert pending.status is PaymentStatus.ACCEPTED

    page = codec.parse_transactions_answer(_load("GetTransactionInfo.response.xml"), "1280078810001")
    (tx,) = page.items
    assert tx.amount_minor == -45000 and tx.balance_after_minor == 96871556318 and page.next_cursor is None
    assert tx.counterparty_account == "1280078810099" and tx.reference == "6092000032"

    (sub,) = codec.parse_submission_answer(_load("DirectPayment.response.xml"), ["APP060928000251"])
    assert sub.status is PaymentStatus.ACCEPTED and sub.bank_reference == "0012341664"
