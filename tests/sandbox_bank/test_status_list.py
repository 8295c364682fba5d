"""NTQRYSTN (status list by debit account and dates, paged) in-process with a fake clock, and over the server
with its page size, answer signature and status-class faults."""

from __future__ import annotations

import datetime as dt

import pytest

from sandbox_bank import admin
from sandbox_bank.dialects import cmb
from sandbox_bank.engine import Engine, EngineConfig, PaymentOrder
from sandbox_bank.ledger import Ledger
from tests.sandbox_bank.bank_harness import (
    PAYER,
    info,
    parse,
    payment_record,
    records,
    verify_answer,
    xml_request,
)

A, B = "1000000101", "1000000202"
DAY0 = dt.datetime(2027, 3, 10, 12, 0, tzinfo=dt.UTC).timestamp()


class Clock:
    def __init__(self) -> None:
        self.now = DAY0

    def __call__(self) -> float:
        return self.now


def order(ref: str, debit: str = A, amount: int = 1000, payee: str = "6217000000123456") -> PaymentOrder:
    return PaymentOrder(ref, debit, payee, "payee", "bank", amount, "CNY", "p")


@pytest.fixture
def dialect(tmp_path):
    state = tmp_path / "s"
    admin.init_state(state, accounts=[admin.DemoAccount(A, "payer a", 10_000_000), admin.DemoAccount(B, "b", 500)])
    ledger = Ledger(state)
    engine = Engine(ledger, EngineConfig(processing_delay=1, settle_delay=1, settle_lag=0.5), clock=Clock())
    yield cmb.CmbDialect(engine, status_list_page=3)
    ledger.close()


def ask(d: cmb.CmbDialect, funnam: str, block: str, **fields: str):
    """handle() + render() + parse back: (INFO, records, continuation block or None); errors as the answer."""
    req = cmb.parse(xml_request(funnam, [(block, fields)]))
    try:
        answer = d.handle(req, body_sha256="x", signer=None)
    except cmb.DialectError as exc:
        answer = d.error_answer(exc)
    root = parse(d.render(answer, d.engine.clock()))
    cont = records(root, "NTQRYSTNZ1")
    return info(root), records(root, "NTSTLLSTZ"), (cont[0] if cont else None)


def listing(d: cmb.CmbDialect, bgn: str = "20270310", end: str = "20270310", account: str = A, ctn: str = ""):
    fields = {"BUSCOD": "N02031", "BUSMOD": "00001", "BGNDAT": bgn, "ENDDAT": end, "DBTACC": account}
    if ctn:
        fields["CTNKEY"] = ctn
    return ask(d, "NTQRYSTN", "NTQRYSTNY1", **fields)


def walk(d: cmb.CmbDialect, **kw) -> tuple[list[dict[str, str]], list[int]]:
    recs, sizes, key = [], [], ""
    while True:
        head, page, cont = listing(d, ctn=key, **kw)
        assert head["RETCOD"] == "0", head
        recs.extend(page)
        sizes.append(len(page))
        if cont is None:
            return recs, sizes
        key = cont["CTNKEY"]


def test_pages_in_reqnbr_order_with_the_ntqrysty_fields(dialect):
    e = dialect.engine
    e.submit([order(f"L-{i}") for i in range(4)] + [order("L-B", debit=B, amount=100)], body_sha256="x", signer=None)
    e.clock.now += 60
    e.submit([order("L-4"), order("L-5", payee="6217000000000001"), order("L-6", amount=20_000_000)],
             body_sha256="x", signer=None)
    e.clock.now += 5  # all executed: 4 succeeded, AC01, AM04
    recs, sizes = walk(dialect)
    assert sizes == [3, 3, 1]
    assert [r["YURREF"] for r in recs] == ["L-0", "L-1", "L-2", "L-3", "L-4", "L-5", "L-6"]  # not B's
    assert [r["REQNBR"] for r in recs] == sorted(r["REQNBR"] for r in recs)
    for r in recs:  # exactly what NTQRYSTY says about the same instruction
        head, (one,), _ = ask(dialect, "NTQRYSTY", "NTQRYSTYX1", BUSCOD="N02031", YURREF=r["YURREF"])
        assert r == one
    assert [(r["REQSTS"], r["RTNFLG"], r["ERRCOD"]) for r in recs[4:]] == [
        ("FIN", "S", ""), ("FIN", "F", "AC01"), ("FIN", "F", "AM04")]
    head, page, cont = listing(dialect, ctn=recs[2]["REQNBR"])  # the key is the last REQNBR of the page
    assert [r["YURREF"] for r in page] == ["L-3", "L-4", "L-5"] and cont == {"CTNKEY": recs[5]["REQNBR"]}
    everyone, _ = walk(dialect, account="")
    assert {r["YURREF"] for r in everyone} == {r["YURREF"] for r in recs} | {"L-B"}


def test_dates_are_days_of_receipt_utc_inclusive(dialect):
    e = dialect.engine
    e.clock.now = dt.datetime(2027, 3, 9, 23, 59, 59, tzinfo=dt.UTC).timestamp()
    e.submit([order("D-9")], body_sha256="x", signer=None)
    e.clock.now = dt.datetime(2027, 3, 10, 0, 0, 0, tzinfo=dt.UTC).timestamp()
    e.submit([order("D-10")], body_sha256="x", signer=None)
    e.clock.now = dt.datetime(2027, 3, 11, 8, 0, tzinfo=dt.UTC).timestamp()
    e.submit([order("D-11")], body_sha256="x", signer=None)
    e.clock.now += 10

    def refs(bgn, end):
        return [r["YURREF"] for r in walk(dialect, bgn=bgn, end=end)[0]]

    assert refs("20270309", "20270309") == ["D-9"]
    assert refs("20270310", "20270310") == ["D-10"]
    assert refs("20270310", "20270311") == ["D-10", "D-11"]
    assert refs("20270301", "20270331") == ["D-9", "D-10", "D-11"]  # 31 days: the most allowed
    assert refs("20270312", "20270312") == []


def test_settle_lag_hides_the_newest_but_keeps_paging(dialect):
    e = dialect.engine
    e.submit([order(f"S-{i}") for i in range(4)], body_sha256="x", signer=None)
    e.clock.now += 1
    e.submit([order(f"S-{i}") for i in range(4, 8)], body_sha256="x", signer=None)
    e.clock.now += 0.2  # the second four are inside the 0.5 s settle lag
    recs, sizes = walk(dialect)
    assert [r["YURREF"] for r in recs] == ["S-0", "S-1", "S-2", "S-3"]
    assert sum(sizes) == 4 and len(sizes) == 3  # the invisible ones still move the key on
    e.clock.now += 1
    assert len(walk(dialect)[0]) == 8


@pytest.mark.parametrize(("fields", "code"), [
    ({"BGNDAT": "2027031", "ENDDAT": "20270310"}, "FMT_DATE"),
    ({"BGNDAT": "20270230", "ENDDAT": "20270310"}, "FMT_DATE"),
    ({"BGNDAT": "20270310", "ENDDAT": ""}, "FMT_DATE"),
    ({"BGNDAT": "20270310", "ENDDAT": "20270309"}, "FMT_DATE_ORDER"),
    ({"BGNDAT": "20270301", "ENDDAT": "20270401"}, "FMT_DATE_RANGE"),  # 32 days
    ({"CTNKEY": "12345"}, "FMT_CTNKEY"),
    ({"CTNKEY": "00000000１2"}, "FMT_CTNKEY"),
    ({"DBTACC": "9999999999"}, "AC02"),
    ({"BUSCOD": "N99999"}, "FMT_BUSCOD"),
])
def test_bad_requests_get_a_specific_refusal(dialect, fields, code):
    base = {"BUSCOD": "N02031", "BGNDAT": "20270310", "ENDDAT": "20270310", "DBTACC": A}
    head, recs, cont = ask(dialect, "NTQRYSTN", "NTQRYSTNY1", **{**base, **fields})
    assert head["RETCOD"] == "-1" and head["ERRMSG"].split(":")[0] == code
    assert recs == [] and cont is None


def test_missing_query_block(dialect):
    head, _, _ = ask(dialect, "NTQRYSTN", "NTQRYSTYX1", YURREF="X")
    assert head["RETCOD"] == "-1" and head["ERRMSG"].startswith("FMT_RECORDS")


def test_page_size_is_checked():
    with pytest.raises(ValueError):
        cmb.CmbDialect(None, status_list_page=0)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------
# Over the server


def _list_body(ctn: str = "") -> bytes:
    today = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
    fields = {"BUSCOD": "N02031", "BUSMOD": "00001", "BGNDAT": today, "ENDDAT": today, "DBTACC": PAYER}
    if ctn:
        fields["CTNKEY"] = ctn
    return xml_request("NTQRYSTN", [("NTQRYSTNY1", fields)])


def test_server_pages_signed_answers(start):
    bank = start("--status-list-page", "2")
    assert info(parse(bank.pay(*[payment_record(f"SL-{i}", "1.00") for i in range(5)]).content))["RETCOD"] == "0"
    bank.wait_final("SL-4")
    refs, key, pages = [], "", 0
    while True:
        r = bank.post(_list_body(key))
        assert verify_answer(bank.state, r.content, r.headers["X-BD-Signature"])
        root = parse(r.content)
        assert info(root)["RETCOD"] == "0"
        refs += [x["YURREF"] for x in records(root, "NTSTLLSTZ")]
        pages += 1
        cont = records(root, "NTQRYSTNZ1")
        if not cont:
            break
        key = cont[0]["CTNKEY"]
    assert refs == [f"SL-{i}" for i in range(5)] and pages == 3


def test_server_status_faults_apply_to_the_list(start):
    bank = start("--faults", "no_record=1", "--status-list-page", "2")
    bank.pay(*[payment_record(f"NR-{i}", "1.00") for i in range(3)])
    root = parse(bank.post(_list_body()).content)
    assert info(root)["RETCOD"] == "0" and records(root, "NTSTLLSTZ") == []
    assert records(root, "NTQRYSTNZ1")  # the continuation survives: the page was emptied, not the list ended
    assert "no_record" in {f["kind"] for f in bank.report()["faults"]}


def test_server_rate_limit_refuses_the_list(start):
    bank = start("--faults", "rate_limit=1")
    head = info(parse(bank.post(_list_body()).content))
    assert head["RETCOD"] == "-3" and head["ERRMSG"].startswith("RATE_LIMIT")


def test_serve_refuses_a_bad_page_size():
    from sandbox_bank.cli import build_parser

    for bad in ("0", "100001", "1e3", "-5"):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["serve", "--state", "x", "--status-list-page", bad])
