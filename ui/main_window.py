"""The main window: navigation on the left, one page per area, status bar with user, ledger and DEMO badge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTableView,
    QWidget,
)

from app.domain.users import Actor
from app.services import Services
from ui.dialogs.settings_dialog import SettingsDialog
from ui.event_bridge import EventBridge
from ui.ops import tracker
from ui.views.accounts import AccountsView
from ui.views.admin import AdminView
from ui.views.approvals import ApprovalsView
from ui.views.audit import AuditView
from ui.views.bank_connections import TABS as BANK_TABS
from ui.views.bank_connections import BankConnectionsView
from ui.views.batches import BatchesView
from ui.views.dashboard import DashboardView
from ui.views.not_available import NotAvailablePage
from ui.views.payees import PayeesView
from ui.views.payment_monitor import PaymentMonitorView
from ui.views.signing import SigningView
from ui.views.statement_import import TransactionsArea
from ui.views.vouchers import VouchersView
from ui.widgets.roles import roles_text

translate = QCoreApplication.translate
PageFactory = Callable[[Services, Actor, QWidget], QWidget]


@dataclass(frozen=True)
class Area:
    key: str
    title: str                        # English source; shown through translate("Area", title)
    factory: PageFactory | None       # None: not built yet


def _needs_bank_services(factory: PageFactory) -> PageFactory:
    """Bank pages need ``services.profiles`` and ``services.bank_data``; without them, "not available"."""
    def build(services: Services, actor: Actor, parent: QWidget) -> QWidget:
        if getattr(services, "profiles", None) is None or getattr(services, "bank_data", None) is None:
            return NotAvailablePage(translate("Area", "Bank connections"), parent)
        return factory(services, actor, parent)
    return build


def _needs_payment_services(factory: PageFactory, title: str) -> PageFactory:
    """Voucher and approval pages need ``services.payments`` and ``services.approvals``."""
    def build(services: Services, actor: Actor, parent: QWidget) -> QWidget:
        if getattr(services, "payments", None) is None or getattr(services, "approvals", None) is None:
            return NotAvailablePage(translate("Area", title), parent)
        return factory(services, actor, parent)
    return build


def _needs_signing_services(factory: PageFactory) -> PageFactory:
    """The signing page needs ``services.signing`` and ``services.payments``."""
    def build(services: Services, actor: Actor, parent: QWidget) -> QWidget:
        if getattr(services, "signing", None) is None or getattr(services, "payments", None) is None:
            return NotAvailablePage(translate("Area", "USB-key signing"), parent)
        return factory(services, actor, parent)
    return build


def _needs_submission_services(factory: PageFactory) -> PageFactory:
    """The payment monitor needs ``services.submission`` (the engine) and ``services.payments``."""
    def build(services: Services, actor: Actor, parent: QWidget) -> QWidget:
        if getattr(services, "submission", None) is None or getattr(services, "payments", None) is None:
            return NotAvailablePage(translate("Area", "Payment monitor"), parent)
        return factory(services, actor, parent)
    return build


def _needs_batch_services(factory: PageFactory) -> PageFactory:
    """Batch payments need the batch services (import, approval, results)."""
    def build(services: Services, actor: Actor, parent: QWidget) -> QWidget:
        if getattr(services, "batch_results", None) is None or getattr(services, "batch_approval", None) is None:
            return NotAvailablePage(translate("Area", "Batch payments"), parent)
        return factory(services, actor, parent)
    return build


AREAS: tuple[Area, ...] = (
    Area("dashboard", QT_TRANSLATE_NOOP("Area", "Dashboard"), DashboardView),
    Area("vouchers", QT_TRANSLATE_NOOP("Area", "Payment vouchers"),
         _needs_payment_services(VouchersView, "Payment vouchers")),
    Area("batches", QT_TRANSLATE_NOOP("Area", "Batch payments"), _needs_batch_services(BatchesView)),
    Area("approvals", QT_TRANSLATE_NOOP("Area", "Approval inbox"),
         _needs_payment_services(ApprovalsView, "Approval inbox")),
    Area("signing", QT_TRANSLATE_NOOP("Area", "USB-key signing"), _needs_signing_services(SigningView)),
    Area("monitor", QT_TRANSLATE_NOOP("Area", "Payment monitor"), _needs_submission_services(PaymentMonitorView)),
    Area("receipts", QT_TRANSLATE_NOOP("Area", "Electronic receipts"), None),
    Area("reconciliation", QT_TRANSLATE_NOOP("Area", "Reconciliation"), None),
    Area("accounts", QT_TRANSLATE_NOOP("Area", "Accounts and balances"), AccountsView),
    Area("payees", QT_TRANSLATE_NOOP("Area", "Payees"), PayeesView),
    Area("transactions", QT_TRANSLATE_NOOP("Area", "Transaction details"), _needs_bank_services(TransactionsArea)),
    Area("bank", QT_TRANSLATE_NOOP("Area", "Bank connections"), _needs_bank_services(BankConnectionsView)),
    Area("risk", QT_TRANSLATE_NOOP("Area", "Risk and alerts"), None),
    Area("audit", QT_TRANSLATE_NOOP("Area", "Audit log"), AuditView),
    Area("admin", QT_TRANSLATE_NOOP("Area", "Administration"), AdminView),
)
AREA_KEYS = tuple(a.key for a in AREAS)
# Screen names (screenshots, --screen) that are a tab inside an area.
SCREEN_ALIASES = {"users": ("admin", "users"), "organization": ("admin", "organization"),
                  **{tab: ("bank", tab) for tab in BANK_TABS}, "statement_import": ("transactions", "statement_import")}


class MainWindow(QMainWindow):
    def __init__(self, services: Services, actor: Actor, settings: QSettings):
        super().__init__()
        self.setObjectName("mainWindow")
        self.services = services
        self.actor = actor
        self.settings = settings
        self.pages: dict[str, QWidget] = {}
        title = self.tr("BankDirect")
        if services.is_demo:
            title = self.tr("{title} — DEMO").replace("{title}", title)
        self.setWindowTitle(title)

        self.nav = QListWidget(self)
        self.nav.setObjectName("navList")
        self.nav.setMinimumWidth(140)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for i, area in enumerate(AREAS):
            item = QListWidgetItem(translate("Area", area.title))
            item.setData(Qt.ItemDataRole.UserRole, area.key)
            if i < 9:
                item.setToolTip(f"Ctrl+{i + 1}")
            self.nav.addItem(item)
        self.stack = QStackedWidget(self)
        self.stack.setObjectName("pageStack")
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([210, 1070])
        self.setCentralWidget(self.splitter)
        self._build_status_bar()
        self._build_menu()
        self.nav.currentRowChanged.connect(self._on_nav_current_row_changed)
        self.event_bridge: EventBridge | None = None
        if services.events is not None:
            self.event_bridge = EventBridge(services.events, self)
            self.event_bridge.event.connect(self._on_event_bridge_event)
        self._restore_state()

    # -- construction -------------------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setObjectName("statusBar")
        if self.services.is_demo:
            self.demo_badge = QLabel(self.tr("DEMO — not real money"), self)
            self.demo_badge.setObjectName("demoBadge")
            self.demo_badge.setStyleSheet("background: #c62828; color: white; font-weight: bold; "
                                          "padding: 2px 10px; border-radius: 3px;")
            bar.addPermanentWidget(self.demo_badge)
        self.busy_label = QLabel("", self)
        self.busy_label.setObjectName("busyLabel")
        bar.addPermanentWidget(self.busy_label)
        self.user_label = QLabel(self.tr("{user} ({roles})").replace("{user}", self.actor.username)
                                 .replace("{roles}", roles_text(self.actor.roles)), self)
        self.user_label.setObjectName("userLabel")
        bar.addPermanentWidget(self.user_label)
        ledger = self.fontMetrics().elidedText(self.services.ledger_description, Qt.TextElideMode.ElideMiddle, 320)
        self.ledger_label = QLabel(self.tr("Ledger: {ledger}").replace("{ledger}", ledger), self)
        self.ledger_label.setObjectName("ledgerLabel")
        self.ledger_label.setToolTip(self.services.ledger_description)
        bar.addPermanentWidget(self.ledger_label)
        tracker().busy_changed.connect(self._on_tracker_busy_changed)

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu(self.tr("&File"))
        settings_action = QAction(self.tr("Settings…"), self)
        settings_action.setObjectName("settingsAction")
        settings_action.triggered.connect(self.open_settings)
        menu.addAction(settings_action)
        quit_action = QAction(self.tr("Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        menu.addAction(quit_action)
        go_menu = self.menuBar().addMenu(self.tr("&Go"))
        for i, area in enumerate(AREAS[:9]):
            action = QAction(translate("Area", area.title), self)
            action.setObjectName(f"goto_{area.key}")
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _checked=False, k=area.key: self.show_area(k))
            go_menu.addAction(action)
            self.addAction(action)

    # -- navigation ---------------------------------------------------------------------------------------
    def _on_nav_current_row_changed(self, row: int) -> None:
        if 0 <= row < len(AREAS):
            self._activate(AREAS[row].key)

    def show_area(self, key: str) -> QWidget:
        """Show an area (or a screen alias such as "users"); build and load its page on first use."""
        tab = None
        if key in SCREEN_ALIASES:
            key, tab = SCREEN_ALIASES[key]
        row = AREA_KEYS.index(key)
        if self.nav.currentRow() != row:
            self.nav.setCurrentRow(row)       # → _activate
        else:
            self._activate(key)
        page = self.pages[key]
        if tab is not None and hasattr(page, "show_tab"):
            page.show_tab(tab)
        return page

    def _activate(self, key: str) -> None:
        page = self.pages.get(key)
        if page is None:
            area = AREAS[AREA_KEYS.index(key)]
            if area.factory is None:
                page = NotAvailablePage(translate("Area", area.title), self.stack)
            else:
                page = area.factory(self.services, self.actor, self.stack)
            self.pages[key] = page
            self.stack.addWidget(page)
            self._restore_headers(page)
            refresh = getattr(page, "refresh", None)
            if callable(refresh):
                refresh()
        self.stack.setCurrentWidget(page)

    # Which open pages show what an event changed; they reload in the background (no manual refresh needed).
    EVENT_PAGES = {"balances_refreshed": ("accounts", "dashboard"),
                   "transactions_fetched": ("transactions",),
                   "payments_changed": ("vouchers", "batches", "approvals", "signing", "monitor")}

    def _on_event_bridge_event(self, name: str, payload: dict) -> None:
        for key in self.EVENT_PAGES.get(name, ()):
            page = self.pages.get(key)
            refresh = getattr(page, "refresh", None)
            if callable(refresh):
                refresh()

    def current_area(self) -> str:
        row = self.nav.currentRow()
        return AREAS[row].key if 0 <= row < len(AREAS) else ""

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _on_tracker_busy_changed(self, pending: int) -> None:
        self.busy_label.setText(self.tr("Working…") if pending else "")

    # -- persisted state ----------------------------------------------------------------------------------
    def _restore_state(self) -> None:
        geometry = self.settings.value("mainWindow/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        splitter = self.settings.value("mainWindow/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        area = str(self.settings.value("mainWindow/area", "dashboard"))
        self.show_area(area if area in AREA_KEYS else "dashboard")

    def _restore_headers(self, page: QWidget) -> None:
        for table in page.findChildren(QTableView):
            state = self.settings.value(f"headers/{table.objectName()}")
            if state is not None and table.objectName():
                table.horizontalHeader().restoreState(state)

    def save_state(self) -> None:
        self.settings.setValue("mainWindow/geometry", self.saveGeometry())
        self.settings.setValue("mainWindow/splitter", self.splitter.saveState())
        self.settings.setValue("mainWindow/area", self.current_area())
        for page in self.pages.values():
            for table in page.findChildren(QTableView):
                if table.objectName():
                    self.settings.setValue(f"headers/{table.objectName()}", table.horizontalHeader().saveState())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.event_bridge is not None:
            self.event_bridge.close()
        self.save_state()
        try:
            tracker().busy_changed.disconnect(self._on_tracker_busy_changed)
        except (RuntimeError, TypeError):
            pass
        super().closeEvent(event)
