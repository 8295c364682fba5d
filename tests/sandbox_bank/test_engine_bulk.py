"""The engine's fast paths keep its behaviour: bulk execution of due instructions against a one-by-one model of
the rules, the incremental daily-limit total, REQNBR = id, index-only advance(), the text renderer against
lxml, the O(1) stale-answer pick against rng.choice."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from lxml import etree

from sandbox_bank import admin
from sandbox_bank.dialects import cmb
from sandbox_bank.engine import _DUE_SQL, _RETURNING_SQL, PAYEE_RULES, RETURN_REASON, Engine, EngineConfig, PaymentOrder
from sandbox_bank.ledger import Ledger

A, B, C, D = "1000000101", "1000000202", "1000000303", "1000000404"  # C is closed
OUT = "6217000000123456"
DAY0 = dt.datetime(2027, 3, 10, 9, 0, tzinfo=dt.UTC).timestamp()


class Clock:
    def __init__(self) -> None:
        self.now = DAY0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine(tmp_path):
    state = tmp_path / "s"
    admin.init_state(state, accounts=[
        admin.DemoAccount(A, "payer a", 10_000, 5_000, 12_000),
        admin.DemoAccount(B, "payer b", 500),
        admin.DemoAccount(C, "closed c", 0),
        admin.DemoAccount(D, "payer d", 50_000, None, 20_000),
    ])
    ledger = Ledger(state)
    with ledger.tx() as c:
        c.execute("UPDATE accounts SET status = 'C' WHERE account = ?", (C,))
    cfg = EngineConfig(processing_delay=1, settle_delay=1, return_delay=0.5)
    yield Engine(ledger, cfg, clock=Clock())
    ledger.close()


def pay(debit: str, payee: str, amount: int, ref: str) -> PaymentOrder:
    return PaymentOrder(ref, debit, payee, f"payee {payee[-4:]}", "bank", amount, "CNY", "p")


def outcome(e: Engine) -> list[tuple]:
    rows = e.ledger.query("SELECT client_reference, state, reason_code FROM instructions ORDER BY id")
    return [tuple(r) for r in rows]


def entries(e: Engine) -> list[tuple]:
    rows = e.ledger.query("SELECT account, kind, direction, amount_minor, balance_after_minor, client_reference"
                          " FROM entries ORDER BY id")
    return [tuple(r) for r in rows]


def balances(e: Engine) -> dict[str, int]:
    return {a.account: a.balance_minor for a in e.ledger.accounts()}


def test_one_run_applies_every_rule_in_order(engine):
    e = engine
    e.submit([
        pay(A, OUT, 3_000, "R1"),                      # ok: A 7,000, today 3,000
        pay(A, "6217000000000001", 1, "R2"),           # AC01
        pay(A, "6217000000000006", 1, "R3"),           # RR04
        pay(A, C, 100, "R4"),                          # AC04: payee is a closed account here
        pay(A, OUT, 6_000, "R5"),                      # AM02 single limit
        pay(A, B, 4_000, "R6"),                        # ok: A 3,000, today 7,000; B credited 4,500
        pay(B, OUT, 4_400, "R7"),                      # ok only thanks to R6's credit in the same run: B 100
        pay(A, OUT, 3_500, "R8"),                      # AM04 (daily 10,500 fits; balance 3,000 does not)
        pay(A, OUT, 2_000, "R9"),                      # ok: A 1,000, today 9,000
        pay(A, "6217000000000009", 1_000, "R10"),      # ok: A 0, today 10,000; returned 0.5 s later
    ], body_sha256="x", signer=None)
    e.clock.now += 2.5
    e.advance()
    assert outcome(e) == [("R1", "SUCCEEDED", None), ("R2", "FAILED", "AC01"), ("R3", "FAILED", "RR04"),
                          ("R4", "FAILED", "AC04"), ("R5", "FAILED", "AM02"), ("R6", "SUCCEEDED", None),
                          ("R7", "SUCCEEDED", None), ("R8", "FAILED", "AM04"), ("R9", "SUCCEEDED", None),
                          ("R10", "SUCCEEDED", None)]
    assert entries(e) == [(A, "PAYMENT", "D", 3_000, 7_000, "R1"), (A, "PAYMENT", "D", 4_000, 3_000, "R6"),
                          (B, "INCOMING", "C", 4_000, 4_500, "R6"), (B, "PAYMENT", "D", 4_400, 100, "R7"),
                          (A, "PAYMENT", "D", 2_000, 1_000, "R9"), (A, "PAYMENT", "D", 1_000, 0, "R10")]
    e.clock.now += 1
    e.advance()
    assert outcome(e)[-1] == ("R10", "RETURNED", RETURN_REASON[0])
    assert entries(e)[-1] == (A, "RETURN", "C", 1_000, 1_000, "R10")
    # A later run: today's debits (10,000, the return does not undo them) + 2,500 > 12,000; 1,000 fits; then
    # 11,000 + 1,001 > 12,000.
    e.submit([pay(A, OUT, 2_500, "R11"), pay(A, OUT, 1_000, "R12"), pay(A, OUT, 1_001, "R13")], body_sha256="x",
             signer=None)
    e.clock.now += 2.5
    e.advance()
    assert outcome(e)[-3:] == [("R11", "FAILED", "AM02"), ("R12", "SUCCEEDED", None), ("R13", "FAILED", "AM02")]
    assert e.ledger.query("SELECT reason_text FROM instructions WHERE client_reference = 'R11'")[0][0].endswith(
        "over the daily limit")
    assert balances(e) == {A: 0, B: 100, C: 0, D: 50_000}
    # The next UTC day starts a new daily total.
    e.clock.now = dt.datetime(2027, 3, 11, 0, 0, 1, tzinfo=dt.UTC).timestamp()
    with e.ledger.tx() as c:
        c.execute("UPDATE accounts SET balance_minor = 20000 WHERE account = ?", (A,))
    e.submit([pay(A, OUT, 4_000, "R14")], body_sha256="x", signer=None)
    e.clock.now += 2.5
    e.advance()
    assert outcome(e)[-1] == ("R14", "SUCCEEDED", None)


def test_daily_total_sees_payments_booked_by_another_engine(engine):
    """Two engines over one ledger (server + an admin process): each one's cached daily total catches up."""
    e1 = engine
    e2 = Engine(e1.ledger, e1.config, clock=e1.clock)
    e1.submit([pay(D, OUT, 8_000, "X1")], body_sha256="x", signer=None)
    e1.clock.now += 2.5
    e1.advance()  # e1 caches D's total: 8,000
    e2.submit([pay(D, OUT, 9_000, "X2")], body_sha256="x", signer=None)
    e2.clock.now += 2.5
    e2.advance()  # executed by e2: D's total 17,000
    e1.submit([pay(D, OUT, 3_001, "X3"), pay(D, OUT, 3_000, "X4")], body_sha256="x", signer=None)
    e1.clock.now += 2.5
    e1.advance()
    assert outcome(e1) == [("X1", "SUCCEEDED", None), ("X2", "SUCCEEDED", None), ("X3", "FAILED", "AM02"),
                           ("X4", "SUCCEEDED", None)]


def test_reqnbr_is_the_id_and_refusals_and_repeats_take_none(engine):
    e = engine
    first = e.submit([pay(A, OUT, 1, "N1")], body_sha256="x", signer=None)
    res = e.submit([pay(A, OUT, 1, "N2"), pay("9999999999", OUT, 1, "N3"), pay(A, OUT, 1, "N1"),
                    PaymentOrder("bad ref!", A, OUT, "n", "b", 1, "CNY", "p"), pay(A, OUT, 1, "N4")],
                   body_sha256="y", signer="s")
    assert [r.code for r in res] == ["SUC0000", "AC02", "SUC0000", "FMT_YURREF", "SUC0000"]
    assert res[2].repeat and res[2].instruction == first[0].instruction
    assert [res[0].instruction.req_nbr, res[4].instruction.req_nbr] == ["0000000002", "0000000003"]
    for r in (first[0], res[0], res[4]):  # the returned instruction is exactly the stored row
        assert e.ledger.instruction_by_req(r.instruction.req_nbr) == r.instruction
        assert r.instruction.id == int(r.instruction.req_nbr)


# ---------------------------------------------------------------------------------------------------------
# Against a one-by-one model of the rules (PROTOCOL.md §4.2), on random runs


class Model:
    def __init__(self, e: Engine) -> None:
        self.acc = {a.account: a for a in e.ledger.accounts()}
        self.bal = {a.account: a.balance_minor for a in e.ledger.accounts()}
        self.status = {a.account: a.status for a in e.ledger.accounts()}
        self.today: dict[tuple[str, dt.date], int] = {}
        self.entries: list[tuple] = []
        self.outcome: dict[str, tuple] = {}

    def run(self, orders: list[PaymentOrder], day: dt.date) -> None:
        for o in orders:
            rule = PAYEE_RULES.get(o.payee_account[-4:])
            acc = self.acc[o.debit_account]
            used = self.today.get((o.debit_account, day), 0)
            if rule:
                code = rule[0]
            elif self.status.get(o.payee_account) == "C" or self.status[o.debit_account] == "C":
                code = "AC04"
            elif acc.single_limit_minor is not None and o.amount_minor > acc.single_limit_minor:
                code = "AM02"
            elif acc.daily_limit_minor is not None and used + o.amount_minor > acc.daily_limit_minor:
                code = "AM02"
            elif self.bal[o.debit_account] < o.amount_minor:
                code = "AM04"
            else:
                code = None
            if code:
                self.outcome[o.client_reference] = ("FAILED", code)
                continue
            self.outcome[o.client_reference] = ("SUCCEEDED", None)
            self.today[(o.debit_account, day)] = used + o.amount_minor
            self.bal[o.debit_account] -= o.amount_minor
            self.entries.append((o.debit_account, "PAYMENT", "D", o.amount_minor, self.bal[o.debit_account],
                                 o.client_reference))
            if o.payee_account in self.bal:
                self.bal[o.payee_account] += o.amount_minor
                self.entries.append((o.payee_account, "INCOMING", "C", o.amount_minor, self.bal[o.payee_account],
                                     o.client_reference))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_runs_match_the_one_by_one_model(engine, seed):
    rng = random.Random(seed)
    e, model = engine, Model(engine)
    payees = [OUT, "6217000000000001", "6217000000000004", "6217000000000006", A, B, C, D, "6217000000000777"]
    n = 0
    for run in range(8):
        if run == 5:  # a new UTC day part-way
            e.clock.now = dt.datetime(2027, 3, 11, 0, 0, 5, tzinfo=dt.UTC).timestamp()
        day = dt.datetime.fromtimestamp(e.clock.now, dt.UTC).date()
        orders = []
        for _ in range(rng.randrange(1, 40)):
            debit = rng.choice([A, B, D])
            payee = rng.choice([p for p in payees if p != debit])
            orders.append(pay(debit, payee, rng.choice([1, 50, 400, 900, 2_500, 4_900, 5_001, 9_000]), f"M{n}"))
            n += 1
        for start in range(0, len(orders), 50):
            assert all(r.code == "SUC0000" for r in e.submit(orders[start:start + 50], body_sha256="x", signer=None))
        if rng.random() < 0.5:
            e.advance()  # nothing due yet: must change nothing
        e.clock.now += 2.5
        e.advance()
        model.run(orders, day)
    got = {ref: (state, code) for ref, state, code in outcome(e)}
    assert got == model.outcome
    assert entries(e) == model.entries
    assert balances(e) == model.bal


# ---------------------------------------------------------------------------------------------------------
# advance() reads indexes, not the table


def test_advance_and_list_queries_use_indexes(engine):
    c = engine.ledger
    plans = {
        "received": ("UPDATE instructions SET state = 'PROCESSING' WHERE state = 'RECEIVED' AND received_at <= ?",
                     (1.0,)),
        "due": (_DUE_SQL, (1.0,)),
        "returning": (_RETURNING_SQL, (1.0,)),
        "list": ("SELECT * FROM instructions WHERE debit_account = ? AND req_nbr > ? AND received_at >= ?"
                 " AND received_at < ? ORDER BY req_nbr LIMIT ?", (A, "", 0.0, 1.0, 10)),
        "daily": ("SELECT COALESCE(SUM(amount_minor), 0) FROM entries WHERE id > ? AND id <= ?"
                  " AND +account = ? AND kind = 'PAYMENT' AND +booked_at >= ?", (1, 2, A, 0.0)),
    }
    for name, (sql, params) in plans.items():
        detail = " | ".join(r[3] for r in c.query("EXPLAIN QUERY PLAN " + sql, params))
        assert "SCAN" not in detail, (name, detail)  # SEARCH = index/rowid range
    returning = " | ".join(r[3] for r in c.query("EXPLAIN QUERY PLAN " + _RETURNING_SQL, (1.0,)))
    assert "ix_instr_returning" in returning


# ---------------------------------------------------------------------------------------------------------
# Rendering, stale pick, record fields


def test_text_renderer_gives_lxml_bytes(engine):
    d = cmb.CmbDialect(engine)
    weird = ["", "a&b", "<x>", "]]>", "line\r\nnext\ttab", "王䶮", "😀 emoji", "'quote\" ", "&amp;", "€ 100"]
    answer = cmb.Answer("NTQRYSTN", "L&G<1>")
    for i, w in enumerate(weird):
        answer.blocks.append(cmb.Block("NTSTLLSTZ", {"YURREF": f"R{i}", "CRTNAM": w, "ERRTXT": w[::-1]}))
    answer.blocks.append(cmb.Block("NTQRYSTNZ1", {"CTNKEY": "0000000001"}, record=False))
    now = DAY0 + 0.999
    fast = d.render(answer, now)
    assert fast == d.render_tree(answer, now)
    etree.fromstring(fast)  # well-formed
    answer.blocks.append(cmb.Block("X", {"A": None}))  # not a str: lxml's rendering (empty element)
    assert d.render(answer, now) == d.render_tree(answer, now) and b"<A/>" in d.render(answer, now)
    answer.blocks[-1] = cmb.Block("X", {"A": "bell\x07"})  # lxml refuses: so does render
    with pytest.raises(ValueError):
        d.render(answer, now)


def test_date_and_time_text_match_strftime():
    for ts in (1.0, DAY0, DAY0 + 86_399.9999, 4_102_444_799.5, 1_700_000_000.9999996):
        d = dt.datetime.fromtimestamp(ts, dt.UTC)
        assert cmb._ymd(ts) == d.strftime("%Y%m%d") and cmb._hms(ts) == d.strftime("%H%M%S")
    assert cmb._ymd(None) == cmb._hms(None) == ""


def test_pick_instruction_draws_as_rng_choice(engine):
    e = engine
    e.submit([pay(A, OUT, 1, f"P{i}") for i in range(30)], body_sha256="x", signer=None)
    where, params = "client_reference NOT IN (?, ?)", ("P3", "P7")
    everyone = e.ledger.instructions(where, params)
    for seed in range(20):
        assert e.ledger.pick_instruction(where, params, random.Random(seed)) == random.Random(seed).choice(everyone)
    assert e.ledger.pick_instruction("1 = 0", (), random.Random(1)) is None


def test_record_fields_read_as_txt():
    rec = etree.fromstring("<R><!-- c --><A> x </A><A>second</A><B/><?pi y?><C>z<D>in</D></C></R>")
    got = cmb._fields(rec)
    assert got == {name: cmb._txt(rec, name) for name in ("A", "B", "C")}
    assert got == {"A": "x", "B": "", "C": "z"}
