"""USB-key signing (U盾签名): batches ready to sign, one PIN and one signature per batch, signed batches history.

The service decides every rule (signer role, separation of duties, content hashes, certificate validity); the
screen shows its refusals in the message line and changes nothing then. Signing runs on the operations thread
(ui/ops.run_op); the token asks for the PIN through QtSigningInteraction, which shows the PinDialog on the GUI
thread.
"""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtNetwork import QSslCertificate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import BankDirectError
from app.domain.money import format_amount
from app.domain.users import Actor
from app.ports.signing import PinIncorrect, TokenWarning
from app.services import Services
from ui.models.lazy_table import Column
from ui.models.rows_table import RowsTableModel
from ui.ops import run_op
from ui.problems import describe_error
from ui.signing_prompt import QtSigningInteraction
from ui.widgets.form import ERROR_STYLE

DETAIL_LIMIT = 200          # payments listed in the detail pane (a batch may hold thousands)
OK_STYLE = "color: #2e7d32; font-weight: bold;"


def short_digest(digest: str) -> str:
    return digest if len(digest) <= 20 else f"{digest[:10]}…{digest[-6:]}"


class SigningView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("signingView")
        self._services = services
        self._actor = actor
        self.interaction = QtSigningInteraction(self)
        self.interaction.message.connect(self._on_interaction_message)
        self.signing = False
        self._signing_text = ""
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("USB-key signing"), self)
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        self.cert_label = QLabel("", self)
        self.cert_label.setObjectName("certLabel")
        self.cert_label.setWordWrap(True)
        layout.addWidget(self.cert_label)

        self.ready_model = RowsTableModel(self._ready_columns(), parent=self)
        self.ready_table = self._table("signingReadyTable", self.ready_model)
        self.ready_table.selectionModel().currentRowChanged.connect(self._on_ready_current_row_changed)
        self.detail = QTextBrowser(self)
        self.detail.setObjectName("signingDetail")
        top = QSplitter(Qt.Orientation.Horizontal, self)
        top.addWidget(self.ready_table)
        top.addWidget(self.detail)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        ready_title = QLabel(self.tr("Batches ready to sign"), self)
        ready_title.setStyleSheet("font-weight: bold;")
        layout.addWidget(ready_title)
        layout.addWidget(top, 3)

        buttons = QHBoxLayout()
        self.sign_button = QPushButton(self.tr("Sign batch…"), self)
        self.sign_button.setObjectName("signButton")
        self.sign_button.clicked.connect(self._on_sign_button_clicked)
        self.copy_button = QPushButton(self.tr("Copy digest"), self)
        self.copy_button.setObjectName("copyDigestButton")
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self.refresh_button = QPushButton(self.tr("Refresh"), self)
        self.refresh_button.clicked.connect(self.refresh)
        for b in (self.sign_button, self.copy_button, self.refresh_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.message = QLabel("", self)
        self.message.setObjectName("signingMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)

        history_title = QLabel(self.tr("Signed batches"), self)
        history_title.setStyleSheet("font-weight: bold;")
        layout.addWidget(history_title)
        self.history_model = RowsTableModel(self._history_columns(), parent=self)
        self.history_table = self._table("signedBatchesTable", self.history_model)
        layout.addWidget(self.history_table, 2)
        verify_row = QHBoxLayout()
        self.verify_button = QPushButton(self.tr("Verify"), self)
        self.verify_button.setObjectName("verifyButton")
        self.verify_button.clicked.connect(self._on_verify_button_clicked)
        verify_row.addWidget(self.verify_button)
        self.verify_result = QLabel("", self)
        self.verify_result.setObjectName("verifyResult")
        self.verify_result.setWordWrap(True)
        verify_row.addWidget(self.verify_result, 1)
        layout.addLayout(verify_row)
        self._update_buttons()

    # -- construction -------------------------------------------------------------------------------------
    def _table(self, name: str, model: RowsTableModel) -> QTableView:
        table = QTableView(self)
        table.setObjectName(name)
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        return table

    def _ready_columns(self) -> list[Column]:
        return [
            Column("account", self.tr("Debit account"), lambda b: b.debit_account),
            Column("bank", self.tr("Bank"), lambda b: b.bank),
            Column("count", self.tr("Payments"), lambda b: b.count, numeric=True),
            Column("total", self.tr("Total"), lambda b: f"{b.currency} {format_amount(b.total_minor)}", numeric=True),
            Column("words", self.tr("Total in words"), lambda b: b.total_in_words or ""),
            Column("digest", self.tr("Digest"), lambda b: short_digest(b.digest)),
        ]

    def _history_columns(self) -> list[Column]:
        return [
            Column("batch", self.tr("Batch"), lambda b: b.batch_id),
            Column("signed_at", self.tr("Signed at (UTC)"), lambda b: b.signed_at.strftime("%Y-%m-%d %H:%M")),
            Column("signer", self.tr("Signer"), lambda b: b.signer_name),
            Column("account", self.tr("Debit account"), lambda b: b.debit_account),
            Column("count", self.tr("Payments"), lambda b: b.count, numeric=True),
            Column("total", self.tr("Total"), lambda b: f"{b.currency} {format_amount(b.total_minor)}", numeric=True),
            Column("algorithm", self.tr("Algorithm"), lambda b: b.algorithm),
            Column("digest", self.tr("Digest"), lambda b: short_digest(b.digest)),
        ]

    # -- loading ------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        signing, actor = self._services.signing, self._actor

        def load():
            ready = signing.ready_batches(actor)
            history = signing.list_batches(actor)
            try:
                profile = signing.signing_key(actor)
            except BankDirectError:
                profile = None
            return ready, history, profile
        run_op(self, load, self._on_loaded, self._show_error)

    def _on_loaded(self, result) -> None:
        ready, history, profile = result
        current = self.selected_batch()
        self.ready_model.set_rows(ready)
        self.history_model.set_rows(sorted(history, key=lambda b: b.signed_at, reverse=True))
        self._show_certificate(profile)
        keys = [b.batch_key for b in ready]
        row = keys.index(current.batch_key) if current is not None and current.batch_key in keys else 0
        if ready:
            self.ready_table.selectRow(row)
        else:
            self.detail.setHtml(html.escape(self.tr("No approved payments are waiting for a signature.")))
        self._update_buttons()

    def _show_certificate(self, profile) -> None:
        if profile is None:
            self.cert_label.setText(self.tr("No signing key is set up for you: an administrator must enrol your "
                                            "USB key first."))
            self.cert_label.setStyleSheet(ERROR_STYLE)
            return
        certs = QSslCertificate.fromData(profile.certificate_pem.encode("ascii"))
        if not certs:
            self.cert_label.setText(self.tr("The signing certificate cannot be read."))
            self.cert_label.setStyleSheet(ERROR_STYLE)
            return
        cert = certs[0]
        subject = ", ".join(cert.subjectInfo(QSslCertificate.SubjectInfo.CommonName)) or "?"
        start = cert.effectiveDate().toUTC().toPython()
        end = cert.expiryDate().toUTC().toPython()
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
        text = (self.tr("Certificate {subject}: valid {start} to {end} (UTC)").replace("{subject}", subject)
                .replace("{start}", start.strftime("%Y-%m-%d")).replace("{end}", end.strftime("%Y-%m-%d")))
        if now > end:
            text += " — " + self.tr("EXPIRED: signing will be refused")
            self.cert_label.setStyleSheet(ERROR_STYLE)
        elif now < start:
            text += " — " + self.tr("not valid yet")
            self.cert_label.setStyleSheet(ERROR_STYLE)
        else:
            days = (end - now).days
            if days < 30:
                text += " — " + self.tr("expires in {days} days").replace("{days}", str(days))
            self.cert_label.setStyleSheet(OK_STYLE if days >= 30 else "color: #b26a00; font-weight: bold;")
        self.cert_label.setText(text)

    def selected_batch(self):
        index = self.ready_table.currentIndex()
        rows = self.ready_model.rows()
        return rows[index.row()] if index.isValid() and index.row() < len(rows) else None

    def selected_signed(self):
        index = self.history_table.currentIndex()
        rows = self.history_model.rows()
        return rows[index.row()] if index.isValid() and index.row() < len(rows) else None

    def _on_ready_current_row_changed(self, *_args) -> None:
        batch = self.selected_batch()
        self._update_buttons()
        if batch is None:
            self.detail.clear()
            return
        payments, actor = self._services.payments, self._actor
        ids = batch.payment_ids[:DETAIL_LIMIT]
        run_op(self, lambda: [payments.get(actor, pid).payment for pid in ids],
               lambda rows, b=batch: self._show_detail(b, rows), self._show_error)

    def _show_detail(self, batch, payments) -> None:
        if self.selected_batch() is not batch:
            return
        e = html.escape
        digest_title, total_title = self.tr("Batch digest (SHA-256)"), self.tr("Total")
        head = (f"<b>{e(digest_title)}</b><br><code>{e(batch.digest)}</code><br>"
                f"<b>{e(total_title)}</b>: {e(batch.currency)} {e(format_amount(batch.total_minor))}"
                f"<br>{e(batch.total_in_words or '')}")
        rows = "".join(
            f"<tr><td>{p.id}</td><td>{e(p.payee_name)}</td><td>{e(p.payee_account)}</td>"
            f"<td align='right'>{e(format_amount(p.amount_minor))}</td><td>{e(p.purpose)}</td></tr>"
            for p in payments)
        more = ""
        if batch.count > len(payments):
            more = e(self.tr("… and {n} more payments").replace("{n}", str(batch.count - len(payments))))
        cols = "".join(f"<th align='left'>{e(t)}</th>" for t in
                       (self.tr("ID"), self.tr("Payee"), self.tr("Payee account"), self.tr("Amount"),
                        self.tr("Purpose")))
        self.detail.setHtml(f"{head}<table cellspacing='6'><tr>{cols}</tr>{rows}</table>{more}")

    def _update_buttons(self) -> None:
        has = self.selected_batch() is not None
        self.sign_button.setEnabled(has and not self.signing)
        self.copy_button.setEnabled(has)
        self.verify_button.setEnabled(self.history_model.rowCount() > 0)

    # -- actions ------------------------------------------------------------------------------------------
    def _on_copy_button_clicked(self) -> None:
        batch = self.selected_batch()
        if batch is not None:
            QGuiApplication.clipboard().setText(batch.digest)
            self._set_message(self.tr("Digest copied."), OK_STYLE)

    def _on_sign_button_clicked(self) -> None:
        batch = self.selected_batch()
        if batch is None or self.signing:
            return
        signing, actor, interaction = self._services.signing, self._actor, self.interaction
        self.signing = True
        self._update_buttons()
        self._signing_text = (self.tr("Signing {n} payments… enter the USB key's PIN when asked.")
                              .replace("{n}", str(batch.count)))
        self._set_message(self._signing_text, "")

        def sign():
            return signing.sign_batch(actor, batch.batch_key, signing.signer_for(actor, interaction))
        run_op(self, sign, self._on_signed, self._on_sign_failed, on_finally=self._on_sign_finished,
               busy_text=self.tr("Signing…"))

    def _on_signed(self, signed) -> None:
        self._set_message(self.tr("Signed batch {id}: {n} payments, {total}.").replace("{id}", signed.batch_id)
                          .replace("{n}", str(signed.count))
                          .replace("{total}", f"{signed.currency} {format_amount(signed.total_minor)}"), OK_STYLE)
        self.refresh()

    def _on_sign_failed(self, exc: BaseException) -> None:
        self._show_error(exc)
        self.refresh()

    def _on_sign_finished(self) -> None:
        self.signing = False
        if self.message.text() == self._signing_text:   # cancelled at the PIN dialog: nothing to report
            self._set_message("", "")
        self._update_buttons()

    def _on_verify_button_clicked(self) -> None:
        signed = self.selected_signed()
        if signed is None:
            self.history_table.selectRow(0)
            signed = self.selected_signed()
        if signed is None:
            return
        signing, actor = self._services.signing, self._actor
        run_op(self, lambda: signing.verify_batch(actor, signed.batch_id), self._on_verified, self._show_error)

    def _on_verified(self, result) -> None:
        bad = [str(p.payment_id) for p in result.payments if not (p.proof_ok and p.content_ok)]
        if result.ok:
            text = self.tr("Batch {id} verified: signature valid, {n} payments proven in the batch, unchanged.")
            self.verify_result.setStyleSheet(OK_STYLE)
        else:
            text = self.tr("Batch {id} FAILED verification: signature {sig}, header {head}, payments failing: "
                           "{bad}").replace("{sig}", self.tr("valid") if result.signature_ok else self.tr("invalid"))
            text = text.replace("{head}", self.tr("valid") if result.header_ok else self.tr("invalid"))
            text = text.replace("{bad}", ", ".join(bad) or "-")
            self.verify_result.setStyleSheet(ERROR_STYLE)
        self.verify_result.setText(text.replace("{id}", result.batch_id).replace("{n}", str(len(result.payments))))

    # -- messages -----------------------------------------------------------------------------------------
    def _on_interaction_message(self, text: str) -> None:
        self._set_message(text, "")

    def _set_message(self, text: str, style: str) -> None:
        self.message.setStyleSheet(style)
        self.message.setText(text)

    def _show_error(self, exc: BaseException) -> None:
        code = getattr(exc, "code", None)
        if code == "SOD_VIOLATION":
            text = self.tr("Refused: you made or approved a payment of this batch, so you cannot sign it "
                           "(separation of duties). Nothing was signed.")
        elif code == "CONTENT_CHANGED":
            text = self.tr("Refused: a payment of this batch changed after it was approved, which voids its "
                           "approvals. Nothing was signed.")
        else:
            text = describe_error(exc)
        if code and code not in text:
            text = f"{text} [{code}]"
        if isinstance(exc, PinIncorrect):
            if TokenWarning.PIN_FINAL_TRY in exc.warnings:
                text += " " + self.tr("Final try: one more wrong PIN locks this USB key.")
            elif TokenWarning.PIN_COUNT_LOW in exc.warnings:
                text += " " + self.tr("The key counts wrong PINs: it locks after a few more.")
        self._set_message(text, ERROR_STYLE)
