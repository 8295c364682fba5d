"""The interface test tool (接口测试): name resolution, TCP, TLS, server certificate and pin, client
certificate, a signed query — each step with ✓ / ✗, what was found in plain words, and what to do.

The test runs on the background worker (ui/ops.py); the window stays responsive and shows a busy bar. A new
run may be started only after the previous one answered; closing the page simply drops the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.domain.users import Actor
from app.services import Services
from ui.banking_text import step_name
from ui.ops import Op, error_text, run_op

OK_COLOUR = "#2e7d32"
FAIL_COLOUR = "#c62828"


def load_targets(services: Services, actor: Actor) -> tuple[list[Any], list[Any]]:
    """Runs on the background worker: accounts and profiles to choose from."""
    return services.master_data.list_accounts(actor), services.profiles.list_profiles(actor)


class StepRow(QFrame):
    """One step: mark, name, detail and (when it failed) the hint."""

    def __init__(self, step: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(f"step_{step.name}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.step = step
        grid = QGridLayout(self)
        grid.setColumnStretch(1, 1)
        self.mark = QLabel("✓" if step.ok else "✗", self)
        self.mark.setObjectName("stepMark")
        self.mark.setStyleSheet(f"color: {OK_COLOUR if step.ok else FAIL_COLOUR}; font-size: 18pt; "
                                "font-weight: bold;")
        self.mark.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.mark.setMinimumWidth(28)
        grid.addWidget(self.mark, 0, 0, 3, 1)
        title = QLabel(step_name(step.name), self)
        title.setObjectName("stepName")
        title.setStyleSheet("font-weight: bold;")
        grid.addWidget(title, 0, 1)
        self.detail = QLabel(step.detail or "", self)
        self.detail.setObjectName("stepDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(self.detail, 1, 1)
        self.hint = QLabel(self)
        self.hint.setObjectName("stepHint")
        self.hint.setWordWrap(True)
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if step.hint and not step.ok:
            self.hint.setText(self.tr("What to do: {hint}").replace("{hint}", step.hint))
            self.hint.setStyleSheet("color: #b26a00;")
        else:
            self.hint.hide()
        grid.addWidget(self.hint, 2, 1)
        if not step.ok:
            self.setStyleSheet(f"#step_{step.name} {{ border: 1px solid {FAIL_COLOUR}; background: #fff5f5; }}")


class ConnectionTestView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("connectionTestView")
        self._services = services
        self._actor = actor
        self.steps: list[Any] = []
        self.op: Op | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("Checks, step by step, that this workstation can reach the bank: name "
                               "resolution, TCP, the TLS handshake, the bank's certificate and pin, our client "
                               "certificate, then a signed query. No payment is made."), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        bar = QHBoxLayout()
        self.target = QComboBox(self)
        self.target.setObjectName("targetCombo")
        self.target.setMinimumContentsLength(24)
        self.target.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        bar.addWidget(QLabel(self.tr("Test:"), self))
        bar.addWidget(self.target, 1)
        self.run_button = QPushButton(self.tr("Run test"), self)
        self.run_button.setObjectName("runTestButton")
        self.run_button.setEnabled(False)
        self.run_button.clicked.connect(self.run_test)
        bar.addWidget(self.run_button)
        layout.addLayout(bar)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("testProgress")
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.summary = QLabel("", self)
        self.summary.setObjectName("testSummaryLabel")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("stepsScroll")
        self.scroll.setWidgetResizable(True)
        self.steps_box = QWidget(self.scroll)
        self.steps_layout = QVBoxLayout(self.steps_box)
        self.steps_layout.addStretch(1)
        self.scroll.setWidget(self.steps_box)
        layout.addWidget(self.scroll, 1)

    def refresh(self) -> None:
        services, actor = self._services, self._actor
        run_op(self, lambda: load_targets(services, actor), self._show_targets)

    def _show_targets(self, loaded: tuple[Sequence[Any], Sequence[Any]]) -> None:
        accounts, profiles = loaded
        current = self.target.currentData()
        self.target.clear()
        for a in accounts:
            self.target.addItem(self.tr("Account {number} — {bank}").replace("{number}", a.account_number)
                                .replace("{bank}", a.bank_name), f"account:{a.id}")
        for p in profiles:
            self.target.addItem(self.tr("Profile {name} — {url}").replace("{name}", p.name)
                                .replace("{url}", p.base_url), f"profile:{p.id}")
        index = self.target.findData(current)
        if index >= 0:
            self.target.setCurrentIndex(index)
        self.run_button.setEnabled(self.target.count() > 0 and not self.running())

    def select(self, kind: str, target_id: int) -> bool:
        index = self.target.findData(f"{kind}:{target_id}")
        if index >= 0:
            self.target.setCurrentIndex(index)
        return index >= 0

    def running(self) -> bool:
        return self.op is not None and not self.op.finished

    def run_test(self) -> Op | None:
        data = self.target.currentData()
        if data is None or self.running():
            return None
        kind, _sep, number = str(data).partition(":")
        target_id = int(number)
        profiles, actor = self._services.profiles, self._actor
        if kind == "account":
            call = lambda: profiles.test_connection(actor, account_id=target_id)  # noqa: E731
        else:
            call = lambda: profiles.test_connection(actor, profile_id=target_id)  # noqa: E731
        self._clear_steps()
        self.summary.setText(self.tr("Testing the connection…"))
        self._set_status("neutral")
        self.run_button.setEnabled(False)
        self.progress.show()
        self.op = run_op(self, call, self.show_steps, self._on_failed, on_finally=self._on_finished,
                         busy_text=self.tr("Testing the bank connection…"))
        return self.op

    def _on_finished(self) -> None:
        self.progress.hide()
        self.run_button.setEnabled(self.target.count() > 0)

    def _on_failed(self, exc: BaseException) -> None:
        self.summary.setText(self.tr("The test could not run: {error}").replace("{error}", error_text(exc)))
        self._set_status("bad")

    def _clear_steps(self) -> None:
        self.steps = []
        while self.steps_layout.count() > 1:
            item = self.steps_layout.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()

    def show_steps(self, steps: Sequence[Any]) -> None:
        self._clear_steps()
        self.steps = list(steps)
        for step in self.steps:
            self.steps_layout.insertWidget(self.steps_layout.count() - 1, StepRow(step, self.steps_box))
        failed = [s for s in self.steps if not s.ok]
        if not self.steps:
            self.summary.setText(self.tr("The bank plugin reported no steps."))
            self._set_status("neutral")
        elif failed:
            self.summary.setText(self.tr("Failed at step “{step}”. See what to do below.")
                                 .replace("{step}", step_name(failed[0].name)))
            self._set_status("bad")
        else:
            self.summary.setText(self.tr("All {n} steps passed: the connection works.")
                                 .replace("{n}", str(len(self.steps))))
            self._set_status("ok")

    def step_rows(self) -> list[StepRow]:
        return self.steps_box.findChildren(StepRow)

    def _set_status(self, status: str) -> None:
        self.summary.setProperty("status", status)
        self.summary.style().unpolish(self.summary)
        self.summary.style().polish(self.summary)
