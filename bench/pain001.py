"""Write a 100,000-payment pain.001.001.09 three ways, in the same run, on the same payments:

* **ours** — the ISO 20022 plugin: every payment validated (reference, IBAN check digits, BIC, names and
  remittance for length and characters, amounts), grouped into PmtInf blocks, UETRs generated, streamed with
  ``lxml.etree.xmlfile``;
* **limit** — a minimal lxml streaming writer that writes the *same* document (checked byte for byte after
  masking MsgId/CreDtTm/UETR) with no validation at all: the floor for an lxml writer;
* **sepaxml 2.7** — ``SepaTransfer(...).add_payment(...)`` + ``export(validate=False)`` (``clean=False``: no
  transliteration/truncation work; payment dicts built before the clock starts).

Rounds alternate so machine load hits all three alike; the best of five rounds (CPU time) of each counts.
Peak memory (VmHWM) is measured per writer in a fresh subprocess that builds the payments and writes the file.
Targets: ours ≤ 1.3× the limit, ≥ 3× faster than sepaxml, peak ≤ 300 MB.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

from app.ports.bank import PaymentInstruction
from bank_plugins.iso20022 import pain001

ROUNDS = 5
DEBTOR_IBAN = "DE89370400440532013000"
DEBTOR_BIC = "COBADEFFXXX"
NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
_LETTERS = {ord(c): str(ord(c) - 55) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_VARIANT = {d: "89ab"[int(d, 16) & 3] for d in "0123456789abcdef"}


def _iban(country: str, bban: str) -> str:
    check = 98 - int((bban + country + "00").translate(_LETTERS)) % 97
    return f"{country}{check:02d}{bban}"


def payments(n: int) -> list[PaymentInstruction]:
    """SEPA-like credit transfers: German IBANs, one BIC, mixed Chinese/Latin names, remittance text."""
    return [PaymentInstruction(
        client_reference=f"BD{i:012d}", debit_account=DEBTOR_IBAN,
        payee_account=_iban("DE", f"50010517{i:010d}"), payee_name=f"收款公司 {i} Trading GmbH",
        amount_minor=100 + (i * 7919) % 10_000_000, currency="EUR", purpose=f"Rechnung {i} 货款",
        extra={"creditor_bic": "INGDDEFFXXX"}) for i in range(n)]


def settings() -> pain001.InitiationSettings:
    return pain001.InitiationSettings(pain001.Debtor("BankDirect Demo GmbH", DEBTOR_BIC))


# ---------------------------------------------------------------------------------------------------------
# The three writers


def write_ours(instructions: list[PaymentInstruction], out) -> None:
    header, groups = pain001.prepare_message(instructions, settings())
    pain001.write_pain001(out, groups, header)


def write_limit(instructions: list[PaymentInstruction], out) -> None:
    """The same document, nothing checked: totals, one PmtInf, and one reusable CdtTrfTxInf element tree whose
    leaf texts are set per payment before it is serialised (no element created per payment)."""
    sub, element = etree.SubElement, etree.Element
    n = len(instructions)
    total = sum(i.amount_minor for i in instructions)
    h = os.urandom(16 * n).hex()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    msg_id = f"BD{now:%y%m%d%H%M%S}{os.urandom(4).hex().upper()}"
    tx = element("CdtTrfTxInf")
    pmt_id = sub(tx, "PmtId")
    e2e, uetr = sub(pmt_id, "EndToEndId"), sub(pmt_id, "UETR")
    amount = sub(sub(tx, "Amt"), "InstdAmt")
    bic = sub(sub(sub(tx, "CdtrAgt"), "FinInstnId"), "BICFI")
    name = sub(sub(tx, "Cdtr"), "Nm")
    iban = sub(sub(sub(tx, "CdtrAcct"), "Id"), "IBAN")
    ustrd = sub(sub(tx, "RmtInf"), "Ustrd")
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("Document", nsmap={None: NAMESPACE}), xf.element("CstmrCdtTrfInitn"):
            grp = element("GrpHdr")
            sub(grp, "MsgId").text = msg_id
            sub(grp, "CreDtTm").text = now.isoformat()
            sub(grp, "NbOfTxs").text = str(n)
            sub(grp, "CtrlSum").text = f"{total // 100}.{total % 100:02d}"
            sub(sub(grp, "InitgPty"), "Nm").text = "BankDirect Demo GmbH"
            xf.write(grp)
            with xf.element("PmtInf"):
                head = element("PmtInf")
                sub(head, "PmtInfId").text = f"{msg_id}-1"
                sub(head, "PmtMtd").text = "TRF"
                sub(head, "NbOfTxs").text = str(n)
                sub(head, "CtrlSum").text = f"{total // 100}.{total % 100:02d}"
                sub(sub(head, "PmtTpInf"), "InstrPrty").text = "NORM"
                sub(sub(head, "ReqdExctnDt"), "Dt").text = now.date().isoformat()
                sub(sub(head, "Dbtr"), "Nm").text = "BankDirect Demo GmbH"
                sub(sub(sub(head, "DbtrAcct"), "Id"), "IBAN").text = DEBTOR_IBAN
                sub(sub(sub(head, "DbtrAgt"), "FinInstnId"), "BICFI").text = DEBTOR_BIC
                for el in head:
                    xf.write(el)
                write = xf.write
                for k, i in enumerate(instructions):
                    e2e.text = i.client_reference
                    j = 32 * k
                    uetr.text = (f"{h[j:j + 8]}-{h[j + 8:j + 12]}-4{h[j + 13:j + 16]}-"
                                 f"{_VARIANT[h[j + 16]]}{h[j + 17:j + 20]}-{h[j + 20:j + 32]}")
                    amount.set("Ccy", i.currency)
                    amount.text = f"{i.amount_minor // 100}.{i.amount_minor % 100:02d}"
                    bic.text = i.extra["creditor_bic"]
                    name.text = i.payee_name
                    iban.text = i.payee_account
                    ustrd.text = i.purpose
                    write(tx)


def sepaxml_payments(instructions: list[PaymentInstruction]) -> list[dict]:
    today = dt.date.today()
    return [{"name": i.payee_name, "IBAN": i.payee_account, "BIC": i.extra["creditor_bic"], "amount": i.amount_minor,
             "execution_date": today, "description": i.purpose, "endtoend_id": i.client_reference}
            for i in instructions]


def write_sepaxml(payment_dicts: list[dict], out) -> None:
    from sepaxml import SepaTransfer

    config = {"name": "BankDirect Demo GmbH", "IBAN": DEBTOR_IBAN, "BIC": DEBTOR_BIC, "batch": True,
              "currency": "EUR"}
    transfer = SepaTransfer(config, schema="pain.001.001.09", clean=False)
    for payment in payment_dicts:
        transfer.add_payment(dict(payment))
    out.write(transfer.export(validate=False))


# ---------------------------------------------------------------------------------------------------------
# Measuring

_VOLATILE = re.compile(rb"<(MsgId|CreDtTm|UETR|PmtInfId|Dt)>[^<]*</\1>")


def same_document(a: bytes, b: bytes) -> bool:
    return _VOLATILE.sub(rb"<\1/>", a) == _VOLATILE.sub(rb"<\1/>", b)


def _timed(fn, *args) -> float:
    """CPU time of one write (this machine is shared: wall time would measure the neighbours too)."""
    with tempfile.TemporaryFile() as out:
        start = time.process_time()
        fn(*args, out)
        return time.process_time() - start


_PEAK = """
import tempfile
from bench import pain001 as b
ins = b.payments({n})
arg = b.sepaxml_payments(ins) if {writer!r} == "sepaxml" else ins
with tempfile.TemporaryFile() as out:
    getattr(b, "write_" + {writer!r})(arg, out)
print(b.own_peak_kib())
"""


def own_peak_kib() -> int:
    """This process's peak resident set (VmHWM; ru_maxrss survives exec on Linux and would report the parent's)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_memory_mb(writer: str, n: int) -> float:
    """Peak resident memory of a fresh interpreter that builds ``n`` payments and writes them with ``writer``."""
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", _PEAK.format(n=n, writer=writer)], cwd=root, capture_output=True,
                          text=True, check=True, timeout=600)
    return int(done.stdout.split()[-1]) / 1024


def run(n: int = 100_000, memory: bool = True) -> dict:
    instructions = payments(n)
    dicts = sepaxml_payments(instructions)
    sample = instructions[:200]
    import io

    ours_doc, limit_doc = io.BytesIO(), io.BytesIO()
    write_ours(sample, ours_doc)
    write_limit(sample, limit_doc)
    assert same_document(ours_doc.getvalue(), limit_doc.getvalue()), "the limit writer must write the same document"
    ours = limit = sepa = float("inf")
    for _ in range(ROUNDS):
        ours = min(ours, _timed(write_ours, instructions))
        limit = min(limit, _timed(write_limit, instructions))
        sepa = min(sepa, _timed(write_sepaxml, dicts))
    result = {
        "name": f"write a {n:,}-payment pain.001.001.09",
        "ours_s": ours,
        "reference_s": limit,
        "ratio": ours / limit,
        "reference": "minimal lxml streaming writer (the limit)",
        "target_ratio": 1.3,
        "n": n,
        "sepaxml_s": sepa,
        "speedup_vs_sepaxml": sepa / ours,
        "target_speedup_vs_sepaxml": 3,
    }
    if memory:
        result["peak_mb"] = {w: round(peak_memory_mb(w, n), 1) for w in ("ours", "limit", "sepaxml")}
        result["target_peak_mb"] = 300
    lines = [f"vs sepaxml 2.7 (validate=False): {sepa:.3f} s → ours is {sepa / ours:.1f}× faster (target ≥ 3×)"]
    if memory:
        peaks = result["peak_mb"]
        lines.append(f"peak memory (VmHWM of a fresh process: payments + writing): ours {peaks['ours']} MB, "
                     f"limit {peaks['limit']} MB, sepaxml {peaks['sepaxml']} MB (target ≤ 300 MB)")
    result["detail"] = "\n    ".join(lines)
    return result


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000), indent=2, ensure_ascii=False))
