"""Statement import service on a real SQLite ledger: dry run without the account, import once, re-import adds
nothing, refusals write nothing (unknown / ambiguous / wrong-currency / inactive account, file errors, roles)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.domain.errors import DomainError, PermissionDenied, ValidationFailed
from app.domain.users import Role
from app.ports.statements import StatementFileError
from app.services.statements import STATEMENT_IMPORTED, account_matches

IBAN = "DE89370400440532013000"          # BBAN 370400440532013000, account number 0532013000
NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
PASSWORD = "user-password-1"


def camt053(entries: list[tuple[str, str, str, str]], *, opening: str = "100.00", closing: str | None = None,
            ccy: str = "EUR", iban: str = IBAN, status: str = "BOOK", extra: str = "") -> bytes:
    """entries: (amount, CRDT/DBIT, servicer ref, end-to-end id)."""
    net = sum((1 if d == "CRDT" else -1) * int(a.replace(".", "")) for a, d, _r, _e in entries)
    if closing is None:
        total = int(opening.replace(".", "")) + net
        closing = f"{total // 100}.{total % 100:02d}"

    def bal(code: str, value: str) -> str:
        return (f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"{ccy}\">{value}</Amt>"
                f"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-05-31</Dt></Dt></Bal>")

    ntries = "".join(
        f'<Ntry><Amt Ccy="{ccy}">{a}</Amt><CdtDbtInd>{d}</CdtDbtInd><Sts><Cd>{status}</Cd></Sts>'
        f"<BookgDt><Dt>2024-05-31</Dt></BookgDt><ValDt><Dt>2024-05-31</Dt></ValDt><AcctSvcrRef>{r}</AcctSvcrRef>"
        f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
        f"<NtryDtls><TxDtls><Refs><EndToEndId>{e}</EndToEndId></Refs><RltdPties><Dbtr><Pty><Nm>华强电子</Nm></Pty>"
        f"</Dbtr><Cdtr><Pty><Nm>Muster GmbH</Nm></Pty></Cdtr></RltdPties><RmtInf><Ustrd>invoice {r}</Ustrd></RmtInf>"
        f"</TxDtls></NtryDtls></Ntry>" for a, d, r, e in entries)
    return (f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{NS}"><BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId>'
            f"<CreDtTm>2024-05-31T20:00:00</CreDtTm></GrpHdr><Stmt><Id>STMT-1</Id><Acct><Id><IBAN>{iban}</IBAN></Id>"
            f"<Ccy>{ccy}</Ccy></Acct>{bal('OPBD', opening)}{bal('CLBD', closing)}{ntries}{extra}</Stmt>"
            f"</BkToCstmrStmt></Document>").encode()


ENTRIES = [("250.00", "CRDT", "BR-1", "OUR-E2E-1"), ("40.50", "DBIT", "BR-2", "NOTPROVIDED"),
           ("9.99", "DBIT", "BR-3", "OUR-E2E-3")]


@pytest.fixture
def world(services, admin_actor, tmp_path):
    md = services.master_data

    def account(number: str, currency: str = "EUR"):
        return md.add_account(admin_actor, {"bank_name": "Commerzbank", "branch_name": "Frankfurt",
                                            "cnaps_code": "308584000013", "account_number": number,
                                            "account_name": "测试有限公司", "currency": currency}).entity

    def write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    services.users.add_user(admin_actor, "maker", "经办", PASSWORD, [Role.MAKER])
    services.users.add_user(admin_actor, "auditor", "审计", PASSWORD, [Role.AUDITOR])
    events: list[tuple[str, dict]] = []
    services.events.subscribe(lambda name, payload: events.append((name, payload)))
    return services, account, write, events


def test_dry_run_needs_no_ledger_account_and_writes_nothing(world, admin_actor, ledger_fingerprint):
    services, _account, write, _events = world
    path = write("s.xml", camt053(ENTRIES))
    before = ledger_fingerprint()
    preview = services.statements.preview(admin_actor, path)
    assert ledger_fingerprint() == before
    assert preview.ok and preview.format == "camt.053.001.08"
    (s,) = preview.statements
    assert (s.account, s.currency, s.opening_minor, s.closing_minor) == (IBAN, "EUR", 10000, 29951)
    assert (s.entry_count, s.credits_minor, s.debits_minor, s.candidates) == (3, 25000, -5049, ())
    assert (s.period_from, s.period_to) == (date(2024, 5, 31), date(2024, 5, 31))


def test_unknown_account_is_refused_and_nothing_is_written(world, admin_actor, ledger_fingerprint):
    services, _account, write, _events = world
    path = write("s.xml", camt053(ENTRIES))
    before = ledger_fingerprint()
    with pytest.raises(DomainError) as info:
        services.statements.import_file(admin_actor, path)
    assert info.value.code == "ACCOUNT_UNKNOWN" and IBAN in info.value.message
    assert ledger_fingerprint() == before


def test_import_once_then_again_adds_nothing(world, services, ledger_fingerprint):
    _services, account, write, events = world
    acc = account("370400440532013000")
    maker = services.auth.login("maker", PASSWORD)
    path = write("s.xml", camt053(ENTRIES))
    result = services.statements.import_file(maker, path)
    assert (result.new, result.skipped, result.not_booked) == (3, 0, 0)
    assert result.statements[0].account_id == acc.id and len(result.sha256) == 64
    ids = services.bank_data.transaction_ids(maker, acc.id, date(2024, 5, 1), date(2024, 6, 1))
    rows = services.bank_data.get_transactions(maker, ids)
    assert sorted(t.amount_minor for t in rows) == [-4050, -999, 25000]
    credit = next(t for t in rows if t.amount_minor == 25000)
    assert credit.reference == "OUR-E2E-1" and credit.counterparty_name == "华强电子"
    assert credit.bank_serial == "BR-1|20240531|25000" and credit.kind == "PMNT/RCDT/ESCT"
    assert "invoice BR-1" in credit.narrative
    assert next(t for t in rows if t.amount_minor == -4050).counterparty_name == "Muster GmbH"
    assert ("transactions_fetched", {"account_id": acc.id, "new": 3}) in events
    admin = services.auth.login("admin", "admin-password-1")
    audit = [e for e in services.audit.entries(admin) if e.action == STATEMENT_IMPORTED]
    assert len(audit) == 1 and audit[0].object_id == str(acc.id)
    assert (audit[0].payload["new"], audit[0].payload["format"]) == (3, "camt.053.001.08")

    before = ledger_fingerprint()
    again = services.statements.import_file(maker, path)
    assert (again.new, again.skipped) == (0, 3)
    assert services.bank_data.transaction_ids(maker, acc.id, date(2024, 5, 1), date(2024, 6, 1)) == ids
    audit = [e for e in services.audit.entries(admin) if e.action == STATEMENT_IMPORTED]
    assert [(e.payload["new"], e.payload["skipped"]) for e in audit] == [(0, 3), (3, 0)]   # newest first
    assert before != ledger_fingerprint()     # the audit entry of the second import, nothing else


def test_a_file_with_errors_is_refused_whole(world, admin_actor, ledger_fingerprint):
    _services, account, write, _events = world
    account("370400440532013000")
    services = _services
    path = write("bad.xml", camt053(ENTRIES, closing="999.99"))
    before = ledger_fingerprint()
    with pytest.raises(ValidationFailed) as info:
        services.statements.import_file(admin_actor, path)
    assert info.value.code == "BALANCE_MISMATCH" and "STMT-1" in info.value.message
    bad_amount = write("amount.xml", camt053([("66.0000000000001", "CRDT", "X", "Y")], closing="166.00"))
    with pytest.raises(ValidationFailed) as info:
        services.statements.import_file(admin_actor, bad_amount)
    assert info.value.code == "AMOUNT_SCALE" and info.value.problems[0].field == "Stmt[1]/Ntry[1]/Amt"
    assert ledger_fingerprint() == before


def test_ambiguous_account_needs_a_choice(world, admin_actor):
    services, account, write, _events = world
    short = account("0532013000")
    long = account("370400440532013000")
    path = write("s.xml", camt053(ENTRIES))
    preview = services.statements.preview(admin_actor, path)
    assert {c.account_id for c in preview.statements[0].candidates} == {short.id, long.id}
    with pytest.raises(DomainError) as info:
        services.statements.import_file(admin_actor, path)
    assert info.value.code == "ACCOUNT_AMBIGUOUS" and "0532013000" in info.value.message
    result = services.statements.import_file(admin_actor, path, account_id=short.id, preview=preview)
    assert result.statements[0].account_id == short.id and result.new == 3
    result = services.statements.import_file(admin_actor, path, choices={1: long.id})
    assert result.statements[0].account_id == long.id and result.new == 3


def test_wrong_account_currency_and_inactive_accounts_are_refused(world, admin_actor, ledger_fingerprint):
    services, account, write, _events = world
    other = account("11112222333344")
    cny = account("370400440532013000", "CNY")
    path = write("s.xml", camt053(ENTRIES))
    before = ledger_fingerprint()
    with pytest.raises(DomainError) as info:
        services.statements.import_file(admin_actor, path, account_id=other.id)
    assert info.value.code == "ACCOUNT_MISMATCH"
    with pytest.raises(DomainError) as info:
        services.statements.import_file(admin_actor, path)
    assert info.value.code == "CURRENCY_MISMATCH" and "CNY" in info.value.message
    assert ledger_fingerprint() == before
    services.master_data.set_account_active(admin_actor, cny.id, False)
    with pytest.raises(DomainError) as info:
        services.statements.import_file(admin_actor, path)
    assert info.value.code == "ACCOUNT_INACTIVE"


def test_pending_entries_are_not_stored(world, admin_actor):
    services, account, write, _events = world
    account("370400440532013000")
    path = write("p.xml", camt053(ENTRIES, status="PDNG", closing="100.00"))
    result = services.statements.import_file(admin_actor, path)
    assert (result.new, result.not_booked) == (0, 3)


def test_mt940_with_two_accounts_imports_each_into_its_own(world, admin_actor):
    services, account, write, _events = world
    a = account("755912345610801", "CNY")
    b = account("0200001234567890", "CNY")
    text = "".join(f":20:{ref}\n:25:{acct}\n:28C:1/1\n:60F:C240501CNY0,00\n:61:2405010501C{amount}NTRFNONREF//{ref}\n"
                   f":86:货款\n:62F:C240501CNY{amount}\n-\n" for ref, acct, amount in
                   (("A1", "755912345610801", "12,34"), ("B1", "200001234567890", "56,78")))
    path = write("s.sta", text.encode("gb18030"))
    result = services.statements.import_file(admin_actor, path)
    assert [(s.account_id, s.new) for s in result.statements] == [(a.id, 1), (b.id, 1)]
    assert result.format == "MT940"


def test_roles_unreadable_and_unknown_files(world, services, tmp_path):
    _services, account, write, _events = world
    account("370400440532013000")
    auditor = services.auth.login("auditor", PASSWORD)
    path = write("s.xml", camt053(ENTRIES))
    assert services.statements.preview(auditor, path).ok           # reading is allowed
    with pytest.raises(PermissionDenied):
        services.statements.import_file(auditor, path)
    with pytest.raises(StatementFileError) as info:
        services.statements.preview(auditor, tmp_path / "missing.xml")
    assert info.value.code == "FILE_NOT_FOUND"
    with pytest.raises(StatementFileError) as info:
        services.statements.preview(auditor, write("x.csv", b"date;amount\n2024-05-01;12.00\n"))
    assert info.value.code == "FILE_FORMAT"
    with pytest.raises(StatementFileError) as info:
        services.statements.preview(auditor, write("bomb.xml", b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]>'
                                                   b'<Document xmlns="' + NS.encode() + b'"/>'))
    assert info.value.code == "FILE_XML"


def test_account_matching_forms():
    from app.ports.statements import Statement

    st = Statement("S", IBAN, "EUR", (), account_aliases=("370400440532013000", "0532013000"))
    assert account_matches("370400440532013000", st) and account_matches("532013000", st)
    assert account_matches("de89 3704 0044 0532 0130 00", st)
    assert not account_matches("37040044", st) and not account_matches("", st)
