"""PDF e-receipts (电子回单) for executed payments, drawn with reportlab and an embedded CJK font."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
from pathlib import Path

from reportlab.lib.pagesizes import A5, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from sandbox_bank.amounts import format_amount
from sandbox_bank.ledger import Account, Instruction

WQY_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
_font_lock = threading.Lock()
_font_name: str | None = None


def _font() -> str:
    global _font_name
    with _font_lock:
        if _font_name is None:
            if WQY_FONT.is_file():
                pdfmetrics.registerFont(TTFont("WQYMicroHei", str(WQY_FONT), subfontIndex=0))
                _font_name = "WQYMicroHei"
            else:
                pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
                _font_name = "STSong-Light"
        return _font_name


def receipt_number(ins: Instruction) -> str:
    """Stable receipt id (ISTNBR) and check code (CHKCOD) derived from the instruction."""
    return f"91{int(ins.req_nbr):011d}"


def check_code(ins: Instruction) -> str:
    return hashlib.sha256(f"{ins.req_nbr}|{ins.client_reference}|{ins.amount_minor}".encode()).hexdigest()[:16].upper()


def render_receipt(ins: Instruction, debtor: Account) -> bytes:
    font = _font()
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=landscape(A5), invariant=1)
    pdf.setTitle(f"Receipt {ins.client_reference}")
    width, height = landscape(A5)
    pdf.setFont(font, 16)
    pdf.drawCentredString(width / 2, height - 50, "沙箱银行 业务回单 (付款) / Sandbox Bank payment receipt")
    executed = dt.datetime.fromtimestamp(ins.executed_at or ins.received_at, dt.UTC)
    lines = [
        ("回单编号 Receipt no.", receipt_number(ins)),
        ("业务参考号 Reference", ins.client_reference),
        ("流水号 REQNBR", ins.req_nbr),
        ("付款人 Payer", f"{debtor.name}  {ins.debit_account}"),
        ("收款人 Payee", f"{ins.payee_name}  {ins.payee_account}"),
        ("收款行 Payee bank", ins.payee_bank),
        ("金额 Amount", f"{ins.currency} {format_amount(ins.amount_minor)}"),
        ("用途 Purpose", ins.purpose),
        ("交易时间 Executed (UTC)", executed.strftime("%Y-%m-%d %H:%M:%S")),
        ("状态 Status", "已退票 RETURNED" if ins.state == "RETURNED" else "交易成功 SUCCEEDED"),
        ("验证码 Check code", check_code(ins)),
    ]
    pdf.setFont(font, 10)
    y = height - 90
    for label, value in lines:
        pdf.drawString(40, y, label)
        pdf.drawString(200, y, value)
        y -= 20
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
