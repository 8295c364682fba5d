"""Bank connection profiles (连接配置): the list, add / edit (administrators)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.users import Actor, Role
from app.services import Services
from ui.dialogs.profile_dialog import ProfileDialog
from ui.models.lazy_table import Column
from ui.models.rows_table import RowsTableModel
from ui.ops import run_op

PluginChoice = tuple[str, str]        # (plugin id, shown text)


def load_profiles(services: Services, actor: Actor) -> tuple[list[Any], list[PluginChoice]]:
    """Runs on the background worker: the profiles and the installed plugins a profile may use."""
    profiles = services.profiles.list_profiles(actor)
    choices = [(m.id, f"{m.bank} — {m.protocol} ({m.id})") for m in services.profiles.plugins()]
    return profiles, choices


class ProfilesView(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("profilesView")
        self._services = services
        self._actor = actor
        self.plugin_choices: list[PluginChoice] = []
        self.dialog: ProfileDialog | None = None
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add profile…"), self)
        self.add_button.setObjectName("addProfileButton")
        self.edit_button = QPushButton(self.tr("Edit…"), self)
        self.edit_button.setObjectName("editProfileButton")
        admin = actor.has(Role.ADMIN)
        self.add_button.setEnabled(admin)
        self.edit_button.setEnabled(False)
        bar.addWidget(self.add_button)
        bar.addWidget(self.edit_button)
        bar.addStretch(1)
        layout.addLayout(bar)
        yes, no = self.tr("yes"), self.tr("no")
        self.model = RowsTableModel([
            Column("name", self.tr("Profile"), lambda p: p.name),
            Column("plugin_id", self.tr("Plugin"), lambda p: p.plugin_id),
            Column("base_url", self.tr("Bank address"), lambda p: p.base_url),
            Column("login_name", self.tr("Login name"), lambda p: dict(p.settings or {}).get("login_name", "")),
            Column("client_key", self.tr("Client key"), lambda p: yes if p.has_client_key else no),
            Column("pins", self.tr("Pins"), lambda p: len(p.pins), numeric=True),
            Column("timeouts", self.tr("Timeouts (s)"), lambda p: f"{p.connect_timeout_s} / {p.read_timeout_s}",
                   numeric=True),
        ], parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("profilesTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        layout.addWidget(self.table)
        self.add_button.clicked.connect(self.add_profile)
        self.edit_button.clicked.connect(self.edit_selected)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

    def refresh(self) -> None:
        services, actor = self._services, self._actor
        run_op(self, lambda: load_profiles(services, actor), self._show)

    def _show(self, loaded: tuple[list[Any], list[PluginChoice]]) -> None:
        profiles, self.plugin_choices = loaded
        self.model.set_rows(profiles)
        self.table.resizeColumnsToContents()
        self._update_buttons()

    def selected(self) -> Any | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        self.edit_button.setEnabled(self._actor.has(Role.ADMIN) and self.selected() is not None)

    def add_profile(self) -> ProfileDialog:
        return self._open(ProfileDialog(self._services, self._actor, self.plugin_choices, None, self))

    def edit_selected(self) -> ProfileDialog | None:
        profile = self.selected()
        if profile is None or not self._actor.has(Role.ADMIN):
            return None
        return self._open(ProfileDialog(self._services, self._actor, self.plugin_choices, profile, self))

    def _open(self, dialog: ProfileDialog) -> ProfileDialog:
        self.dialog = dialog
        dialog.saved.connect(lambda _p: self.refresh())
        dialog.open()
        return dialog
