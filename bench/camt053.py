"""Read a generated 100,000-entry camt.053.001.08 with the statement reader against plain lxml ``iterparse``
extracting the same fields (the limit), in the same run; then the peak memory of each in a fresh process.

The reader does more than the limit: strict amount parsing per currency, dates, balance check, IBAN checksums,
stable entry ids, batch sums, the problem list. Target: ≤ 1.5× the limit's time; peak memory ≤ 300 MB.
``python -m bench camt053`` or ``python -m bench.camt053 [N]``.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
TARGET_RATIO = 1.5
TARGET_MB = 300
ROUNDS = 2


def _iban(country: str, bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def _bal(code: str, minor: int, day: str) -> str:
    return (f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{abs(minor) // 100}."
            f"{abs(minor) % 100:02d}</Amt><CdtDbtInd>{'CRDT' if minor >= 0 else 'DBIT'}</CdtDbtInd>"
            f"<Dt><Dt>{day}</Dt></Dt></Bal>")


def generate(path: Path, n: int = 100_000, seed: int = 4053) -> tuple[int, int]:
    """Write a statement with ``n`` booked entries (one TxDtls each, counterparties with valid IBANs, every
    tenth with a structured creditor reference, every 50th with charges); returns (opening, closing) minor."""
    rng = random.Random(seed)
    moves = [(rng.randrange(1, 5_000_000), rng.random() < 0.5) for _ in range(n)]
    opening = 1_000_000_00
    closing = opening + sum(m if credit else -m for m, credit in moves)
    account = _iban("DE", "37040044" + "0532013000")
    with open(path, "w", encoding="utf-8") as fh:
        w = fh.write
        w(f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}"><BkToCstmrStmt><GrpHdr>'
          f"<MsgId>BENCH-{n}</MsgId><CreDtTm>2024-05-31T22:00:00+02:00</CreDtTm></GrpHdr><Stmt><Id>S-{n}</Id>"
          f"<ElctrncSeqNb>1</ElctrncSeqNb><CreDtTm>2024-05-31T22:00:00+02:00</CreDtTm>"
          f"<Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
          f"{_bal('OPBD', opening, '2024-05-01')}{_bal('CLBD', closing, '2024-05-31')}")
        entries = []
        for i, (minor, credit) in enumerate(moves):
            day = 1 + i * 30 // n
            amount = f"{minor // 100}.{minor % 100:02d}"
            indicator = "CRDT" if credit else "DBIT"
            party, acct = ("Dbtr", "DbtrAcct") if credit else ("Cdtr", "CdtrAcct")
            iban = _iban("DE", f"{rng.randrange(10**17, 10**18)}")
            rmt = (f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>RF18{i:012d}</Ref>"
                   f"</CdtrRefInf></Strd>" if i % 10 == 0 else f"<Ustrd>Invoice {i} payment for order {i * 7}</Ustrd>")
            charges = ('<Chrgs><TtlChrgsAndTaxAmt Ccy="EUR">1.50</TtlChrgsAndTaxAmt><Rcrd><Amt Ccy="EUR">1.50'
                       "</Amt><CdtDbtInd>DBIT</CdtDbtInd></Rcrd></Chrgs>" if i % 50 == 0 else "")
            entries.append(
                f'<Ntry><NtryRef>{i}</NtryRef><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
                f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2024-05-{day:02d}</Dt></BookgDt>"
                f"<ValDt><Dt>2024-05-{day:02d}</Dt></ValDt><AcctSvcrRef>BANKREF{i:010d}</AcctSvcrRef>"
                f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{'RCDT' if credit else 'ICDT'}</Cd><SubFmlyCd>ESCT"
                f"</SubFmlyCd></Fmly></Domn></BkTxCd>{charges}<NtryDtls><TxDtls><Refs><AcctSvcrRef>TX{i:012d}"
                f"</AcctSvcrRef><EndToEndId>E2E-{i:010d}</EndToEndId></Refs><Amt Ccy=\"EUR\">{amount}</Amt>"
                f"<CdtDbtInd>{indicator}</CdtDbtInd><RltdPties><{party}><Pty><Nm>Counterparty GmbH {i % 997}"
                f"</Nm></Pty></{party}><{acct}><Id><IBAN>{iban}</IBAN></Id></{acct}></RltdPties>"
                f"<RmtInf>{rmt}</RmtInf></TxDtls></NtryDtls></Ntry>")
            if len(entries) == 1000:
                w("".join(entries))
                entries.clear()
        w("".join(entries))
        w("</Stmt></BkToCstmrStmt></Document>\n")
    return opening, closing


FIELDS = ("Amt", "CdtDbtInd", "Sts/Cd", "BookgDt/Dt", "ValDt/Dt", "AcctSvcrRef", "NtryRef", "BkTxCd/Domn/Cd",
          "BkTxCd/Domn/Fmly/Cd", "BkTxCd/Domn/Fmly/SubFmlyCd", "Chrgs/TtlChrgsAndTaxAmt",
          "NtryDtls/TxDtls/Refs/AcctSvcrRef", "NtryDtls/TxDtls/Refs/EndToEndId", "NtryDtls/TxDtls/Amt",
          "NtryDtls/TxDtls/CdtDbtInd", "NtryDtls/TxDtls/RltdPties/Dbtr/Pty/Nm", "NtryDtls/TxDtls/RltdPties/Cdtr/Pty/Nm",
          "NtryDtls/TxDtls/RltdPties/DbtrAcct/Id/IBAN", "NtryDtls/TxDtls/RltdPties/CdtrAcct/Id/IBAN",
          "NtryDtls/TxDtls/RmtInf/Ustrd", "NtryDtls/TxDtls/RmtInf/Strd/CdtrRefInf/Ref")


def limit(path: Path) -> int:
    """The reference of the issue: plain lxml iterparse extracting the same fields (``findtext`` per field path,
    the amount's currency attribute) into tuples, clearing as it goes; no checking at all."""
    q = "{" + NS + "}"
    paths = ["/".join(q + part for part in f.split("/")) for f in FIELDS]
    amt = q + "Amt"
    rows = []
    for _event, el in etree.iterparse(str(path), events=("end",), tag=q + "Ntry"):
        rows.append((el.find(amt).get("Ccy"), *[el.findtext(p) for p in paths]))
        el.clear(keep_tail=False)
        while el.getprevious() is not None:
            del el.getparent()[0]
    return len(rows)


def floor(path: Path) -> int:
    """Iterparse extracting the same fields into tuples with no checking at all, hand-tuned: a lower floor.

    Written the fastest way lxml allows for this generated layout: each level's children in a dict, fixed
    positions inside BkTxCd, the parties and the structured reference (a general reader cannot rely on
    positions). Reported beside the ratio to :func:`limit`."""
    q = "{" + NS + "}"
    t = {name: q + name for name in ("Ntry", "Amt", "CdtDbtInd", "Sts", "BookgDt", "ValDt", "AcctSvcrRef", "NtryRef",
                                     "BkTxCd", "Chrgs", "NtryDtls", "TxDtls", "Refs", "EndToEndId", "RltdPties",
                                     "Dbtr", "Cdtr", "DbtrAcct", "CdtrAcct", "RmtInf", "Ustrd", "Strd")}
    rows = []
    for _event, el in etree.iterparse(str(path), events=("end",), tag=t["Ntry"]):
        k = {c.tag: c for c in el}
        amt = k[t["Amt"]]
        domn = k[t["BkTxCd"]][0]
        chrgs = k.get(t["Chrgs"])
        tx = k[t["NtryDtls"]][0]
        x = {c.tag: c for c in tx}
        refs = {c.tag: c for c in x[t["Refs"]]}
        p = {c.tag: c for c in x[t["RltdPties"]]}
        party = p.get(t["Dbtr"]) if p.get(t["Dbtr"]) is not None else p.get(t["Cdtr"])
        acct = p.get(t["DbtrAcct"]) if p.get(t["DbtrAcct"]) is not None else p.get(t["CdtrAcct"])
        rmt = x[t["RmtInf"]][0]
        ustrd, strd = (rmt.text, None) if rmt.tag == t["Ustrd"] else (None, rmt[0][1].text)
        rows.append((amt.text, amt.get("Ccy"), k[t["CdtDbtInd"]].text, k[t["Sts"]][0].text, k[t["BookgDt"]][0].text,
                     k[t["ValDt"]][0].text, k[t["AcctSvcrRef"]].text, k[t["NtryRef"]].text, domn[0].text,
                     domn[1][0].text, domn[1][1].text, chrgs[0].text if chrgs is not None else None,
                     refs[t["AcctSvcrRef"]].text, refs[t["EndToEndId"]].text, x[t["Amt"]].text, x[t["Amt"]].get("Ccy"),
                     x[t["CdtDbtInd"]].text, party[0][0].text, acct[0][0].text, ustrd, strd))
        el.clear(keep_tail=False)
        while el.getprevious() is not None:
            del el.getparent()[0]
    return len(rows)


def ours(path: Path) -> int:
    from bank_plugins.iso20022.camt import read_camt

    sf = read_camt(path)
    if sf.errors:
        raise AssertionError(f"the generated file has errors: {sf.errors[:3]}")
    return sum(len(s.entries) for s in sf.statements)


def _timed(fn, path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    count = fn(path)
    return time.perf_counter() - start, count


def _peak_mb(which: str, path: Path) -> float:
    """Peak resident memory (VmHWM; ru_maxrss would include the forking parent's) of a fresh interpreter that
    imports the reader and reads the file."""
    code = (f"import sys; from bench.camt053 import {which}; from pathlib import Path; {which}(Path(sys.argv[1])); "
            "print([ln.split()[1] for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0])")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                         cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def run(n: int = 100_000, *, memory: bool = True) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-camt053-") as tmp:
        path = Path(tmp) / "camt053.xml"
        generate(path, n)
        size_mb = path.stat().st_size / 1e6
        best = {"ours": float("inf"), "limit": float("inf"), "floor": float("inf")}
        for _ in range(ROUNDS):
            for name, fn in (("limit", limit), ("floor", floor), ("ours", ours)):
                t, count = _timed(fn, path)
                assert count == n, (name, count)
                best[name] = min(best[name], t)
        result = {
            "name": f"read {n:,}-entry camt.053 ({size_mb:.0f} MB)",
            "ours_s": best["ours"],
            "reference_s": best["limit"],
            "ratio": best["ours"] / best["limit"],
            "reference": "lxml iterparse + findtext, same fields",
            "target_ratio": TARGET_RATIO,
            "floor_s": best["floor"],
            "ratio_to_floor": best["ours"] / best["floor"],
            "n": n,
        }
        if memory:
            result["ours_peak_mb"] = _peak_mb("ours", path)
            result["reference_peak_mb"] = _peak_mb("limit", path)
            result["target_peak_mb"] = TARGET_MB
        result["detail"] = (f"vs the hand-tuned floor {best['floor']:.3f} s → {result['ratio_to_floor']:.2f}×"
                            + (f"; peak memory ours {result['ours_peak_mb']:.0f} MB, limit "
                               f"{result['reference_peak_mb']:.0f} MB (target ≤ {TARGET_MB} MB)" if memory else ""))
        return result


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000), indent=2))
