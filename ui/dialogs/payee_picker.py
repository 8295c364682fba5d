"""Payee picker: type-ahead search over the payees (queried off the GUI thread) plus "New payee…" inline.

``value()`` is the chosen payee's id (None until one is chosen; editing the text again clears the choice).
"""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QCompleter, QHBoxLayout, QLineEdit, QPushButton, QWidget

from app.domain.master_data import Payee
from app.domain.users import Actor, Role
from app.services import Services
from ui.dialogs.payee_dialog import PayeeDialog
from ui.ops import run_op
from ui.signals import emit

SEARCH_DEBOUNCE_MS = 200
SEARCH_LIMIT = 50


def payee_label(payee: Payee) -> str:
    return f"{payee.name} — {payee.account_number} ({payee.bank_name})"


class PayeePicker(QWidget):
    chosen = Signal(object)            # the Payee, or None when the choice was cleared

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self._actor = actor
        self._payee: Payee | None = None
        self._matches: list[Payee] = []
        self._generation = 0
        self.dialog: PayeeDialog | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit(self)
        self.search.setObjectName("payeeSearch")
        self.search.setPlaceholderText(self.tr("Type a name, account number or bank to search…"))
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search, 1)
        self.new_button = QPushButton(self.tr("New payee…"), self)
        self.new_button.setObjectName("newPayeeButton")
        self.new_button.setAutoDefault(False)
        self.new_button.setEnabled(actor.has(Role.MAKER) or actor.has(Role.ADMIN))
        layout.addWidget(self.new_button)
        self.setFocusProxy(self.search)

        self.completer_model = QStringListModel(self)
        self.completer = QCompleter(self.completer_model, self)
        self.completer.setObjectName("payeeCompleter")
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.setMaxVisibleItems(12)
        self.search.setCompleter(self.completer)
        self.completer.activated[str].connect(self._on_completer_activated)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._on_search_settled)
        self.search.textEdited.connect(self._on_search_text_edited)
        self.new_button.clicked.connect(self.new_payee)

    # -- value --------------------------------------------------------------------------------------------
    def value(self) -> int | None:
        return self._payee.id if self._payee is not None else None

    def payee(self) -> Payee | None:
        return self._payee

    def set_payee(self, payee: Payee | None) -> None:
        self._payee = payee
        self.search.setText(payee_label(payee) if payee is not None else "")
        self.search.setCursorPosition(0)
        emit(self.chosen, payee)

    def matches(self) -> list[Payee]:
        return list(self._matches)

    # -- searching ----------------------------------------------------------------------------------------
    def _on_search_text_edited(self, _text: str) -> None:
        if self._payee is not None:
            self._payee = None
            emit(self.chosen, None)
        self._debounce.start()

    def _on_search_settled(self) -> None:
        query = self.search.text().strip()
        self._generation += 1
        generation = self._generation
        md, actor = self._services.master_data, self._actor
        run_op(self, lambda: md.search_payees(actor, query, 0, SEARCH_LIMIT),
               lambda found: self._on_found(generation, found))

    def _on_found(self, generation: int, found: list[Payee]) -> None:
        if generation != self._generation:
            return               # a newer search is on its way
        self._matches = list(found)
        self.completer_model.setStringList([payee_label(p) for p in self._matches])
        if self._matches and self.search.hasFocus():
            self.completer.complete()

    def _on_completer_activated(self, text: str) -> None:
        for payee in self._matches:
            if payee_label(payee) == text:
                self.choose(payee)
                return

    def choose(self, payee: Payee) -> None:
        self.set_payee(payee)
        self.focusNextChild()

    # -- new payee ----------------------------------------------------------------------------------------
    def new_payee(self) -> PayeeDialog:
        self.dialog = PayeeDialog(self._services, self._actor, None, self)
        self.dialog.saved.connect(lambda saved: self.set_payee(saved.entity))
        self.dialog.open()
        return self.dialog
