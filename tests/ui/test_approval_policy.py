"""The approval-policy editor (审批策略) in the administration area, against the real services.

An administrator edits tiers, adds a rule for one debit account (and/or payment type) and removes it again; each
save is a new, audited version that the next submission uses. Bad values and a duplicate scope are refused
inline with nothing written; the catch-all rule cannot be removed; unsaved edits are guarded; non-administrators
see the policy read-only and the service refuses their save."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QStyleOptionViewItem

from app.domain.approval_policy import DEFAULT_POLICY
from app.domain.identifiers import cnaps_check_digit
from ui.ops import wait_idle
from ui.views.admin import AdminView
from ui.views.approval_policy import COL_APPROVERS, COL_ROLE, COL_UP_TO, ApprovalPolicyView


@pytest.fixture(autouse=True)
def _discard_on_teardown(monkeypatch):
    """A test that leaves edits unsaved must not block its teardown (closing the view asks first)."""
    asked: list[bool] = []

    def answer(view) -> bool:
        asked.append(True)
        return True

    monkeypatch.setattr(ApprovalPolicyView, "ask_discard", answer)
    return asked


def _view(qtbot, w, actor) -> ApprovalPolicyView:
    view = ApprovalPolicyView(w.services, actor)
    qtbot.addWidget(view)
    view.resize(1100, 800)
    view.show()
    view.refresh()
    assert wait_idle(20)
    return view


def _second_account(w):
    first11 = "10310000002"
    return w.services.master_data.add_account(w.admin, {
        "bank_name": "中国农业银行", "branch_name": "中国农业银行深圳分行",
        "cnaps_code": first11 + cnaps_check_digit(first11), "account_number": "4100000000007788",
        "account_name": "测试有限公司", "currency": "CNY"}).entity


def _submit(w, account_id: int, amount: str, urgent: bool = False):
    maker = w.actor("maker")
    p = w.services.payments.create(maker, w.fields(debit_account_id=account_id, amount=amount, urgent=urgent),
                                   override_duplicate=True).entity
    return w.services.payments.submit(maker, p.id, override_duplicate=True)


def _add_rule(qtbot, view, account_id, payment_type):
    dialog = view.add_rule()
    assert dialog is not None and dialog.isVisible()
    dialog.set_scope(account_id, payment_type)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    return dialog


def _ctrl_s(qtbot, view) -> None:
    view.activateWindow()
    view.tiers.setFocus()
    qtbot.keyClick(view.tiers, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


def test_admin_edits_a_tier_and_saves_a_new_audited_version(qtbot, payment_world):
    w = payment_world
    view = _view(qtbot, w, w.admin)
    assert "Version 0" in view.version_label.text()
    assert view.rules_table.rowCount() == 1 and "catch-all" in view.rule_row_text(0)
    assert view.tiers.rowCount() == len(DEFAULT_POLICY.rules[0].tiers) == 3
    assert view.tiers.item(0, COL_UP_TO).text() == "49999.99"            # what the strict parser reads
    assert view.cell_text(0, COL_UP_TO) == "49,999.99"                   # what is shown
    assert view.cell_text(1, COL_UP_TO) == "1,000,000.00"
    assert view.cell_text(2, COL_UP_TO) == "no upper limit" and view.cell_text(2, COL_ROLE) == "Administrator"
    option = QStyleOptionViewItem()
    view.tiers.itemDelegateForColumn(COL_UP_TO).initStyleOption(option, view.tiers.model().index(0, COL_UP_TO))
    assert option.displayAlignment & Qt.AlignmentFlag.AlignRight
    assert view.tiers.item(2, COL_UP_TO).text() == "" and view.tiers.item(2, COL_ROLE).text() == "admin"
    assert view.threshold.text() == "100000.00" and view.window_days.text() == "7"
    assert not view.unsaved_label.isVisible()
    view.set_cell(0, COL_UP_TO, "19999.99")
    view.set_cell(1, COL_APPROVERS, "3")
    assert view.unsaved_label.isVisible() and view.has_unsaved_changes()
    view.add_tier()  # a new row before the open-ended last one, then removed again
    assert view.tiers.rowCount() == 4 and view.tiers.currentRow() == 2 and view.tiers.item(3, COL_UP_TO).text() == ""
    view.remove_tier()
    assert view.tiers.rowCount() == 3
    view.save()
    assert wait_idle(20)
    assert view.problem_text() == ""
    current = w.services.approvals.current_policy(w.admin)
    assert current.version == 1 and current.created_by == "admin"
    tiers = current.rules[0].tiers
    assert (tiers[0].up_to_minor, tiers[0].approvers) == (1_999_999, 1)
    assert (tiers[1].up_to_minor, tiers[1].approvers) == (100_000_000, 3)
    assert tiers[2].required_role == "admin"
    assert "Version 1" in view.version_label.text() and "admin" in view.version_label.text()
    assert view.history.rowCount() == 1
    assert [view.history.item(0, c).text() for c in range(2)] == ["1", "admin"]
    assert not view.has_unsaved_changes() and not view.unsaved_label.isVisible()
    [entry] = [e for e in w.services.audit.entries(w.admin, 0, 100) if e.action == "approval_policy.changed"]
    assert entry.object_id == "1" and entry.payload["to_version"] == 1
    # the new version is used by the next submission
    assert _submit(w, w.account.id, "20000.00").required_approvals == 3
    # saving again without a change writes nothing
    view.save()
    assert wait_idle(20)
    assert "No changes" in view.status.text() and w.services.approvals.current_policy(w.admin).version == 1


def test_admin_adds_a_rule_for_one_debit_account(qtbot, payment_world):
    w = payment_world
    other = _second_account(w)
    view = _view(qtbot, w, w.admin)
    dialog = view.add_rule()
    labels = [dialog.account_box.itemText(i) for i in range(dialog.account_box.count())]
    assert labels[0] == "Any account" and "测试有限公司 · 招商银行 ****0001" in labels
    assert not any("755900000000001" in t for t in labels)              # account numbers are masked
    assert [dialog.type_box.itemText(i) for i in range(3)] == ["Any payment type", "Normal", "Urgent"]
    dialog.set_scope(w.account.id, None)
    assert dialog.error_text() == ""
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    # most specific first; the new rule is selected and starts with the catch-all's tiers
    assert view.rules_table.rowCount() == 2 and view.rules_table.currentRow() == 0
    assert view.rule_row_text(0).startswith("测试有限公司 · 招商银行 ****0001 · Any type\n")
    assert "catch-all" in view.rule_row_text(1)
    assert view.current_rule().debit_account_id == w.account.id
    assert [view.tiers.item(r, COL_UP_TO).text() for r in range(3)] == ["49999.99", "1000000.00", ""]
    assert view.remove_rule_button.isEnabled()
    # three tiers: ≤10,000 one approver; ≤200,000 two, one an administrator; above: three
    for row, (up_to, approvers, role) in enumerate((("10000.00", "1", ""), ("200000.00", "2", "admin"),
                                                    ("", "3", ""))):
        view.set_cell(row, COL_UP_TO, up_to)
        view.set_cell(row, COL_APPROVERS, approvers)
        view.set_cell(row, COL_ROLE, role)
    assert view.rule_row_text(0).split("\n")[1:] == ["≤ 10,000.00: 1", "≤ 200,000.00: 2 (Administrator)",
                                                   "above: 3"]
    assert view.unsaved_label.isVisible()
    _ctrl_s(qtbot, view)                                                        # keyboard save
    assert wait_idle(20)
    assert view.problem_text() == "", view.problem_text()
    policy = w.services.approvals.current_policy(w.admin)
    assert policy.version == 1 and "Saved as version 1" in view.status.text()
    [rule] = [r for r in policy.rules if r.debit_account_id == w.account.id]
    assert rule.payment_type is None
    assert [(t.up_to_minor, t.approvers, t.required_role) for t in rule.tiers] == [
        (1_000_000, 1, None), (20_000_000, 2, "admin"), (None, 3, None)]
    assert [r.tiers for r in policy.rules if r.debit_account_id is None] == [DEFAULT_POLICY.rules[0].tiers]
    # the reloaded editor shows the saved rule first
    assert view.rules_table.rowCount() == 2 and view.current_rule().debit_account_id == w.account.id
    assert not view.has_unsaved_changes()
    # payments on that account follow the rule; on another account the catch-all
    on_rule = _submit(w, w.account.id, "20000.00")
    assert (on_rule.required_approvals, on_rule.required_role, on_rule.policy_version) == (2, "admin", 1)
    assert _submit(w, w.account.id, "9000.00").required_approvals == 1
    assert _submit(w, w.account.id, "300000.00").required_approvals == 3
    elsewhere = _submit(w, other.id, "20000.00")
    assert (elsewhere.required_approvals, elsewhere.required_role) == (1, None)
    assert _submit(w, other.id, "300000.00").required_approvals == 2


def test_rule_for_an_account_and_a_payment_type(qtbot, payment_world):
    w = payment_world
    view = _view(qtbot, w, w.admin)
    _add_rule(qtbot, view, None, "urgent")                              # type only
    _add_rule(qtbot, view, w.account.id, "urgent")                      # account + type: most specific
    texts = [view.rule_row_text(i).split("\n")[0] for i in range(view.rules_table.rowCount())]
    assert texts == ["测试有限公司 · 招商银行 ****0001 · Urgent", "Any account · Urgent",
                     "Any account (catch-all) · Any type"]
    view.select_rule(0)
    view.set_cell(0, COL_APPROVERS, "2")
    view.save()
    assert wait_idle(20)
    assert view.problem_text() == ""
    assert _submit(w, w.account.id, "100.00", urgent=True).required_approvals == 2
    assert _submit(w, w.account.id, "100.00", urgent=False).required_approvals == 1


def test_duplicate_scope_is_refused_inline_and_nothing_is_saved(qtbot, payment_world, ledger_fingerprint):
    w = payment_world
    view = _view(qtbot, w, w.admin)
    before = ledger_fingerprint()
    dialog = view.add_rule()
    assert "catch-all" in dialog.error_text()                           # any/any is taken from the start
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and view.rules_table.rowCount() == 1          # refused, the dialog stays open
    dialog.set_scope(w.account.id, "normal")
    assert dialog.error_text() == ""
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert view.rules_table.rowCount() == 2
    dialog = view.add_rule()
    dialog.set_scope(w.account.id, "normal")
    assert "already has a rule for this account and payment type" in dialog.error_text()
    assert dialog.scope_error.isVisible()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and view.rules_table.rowCount() == 2
    dialog.reject()
    assert view.insert_rule(w.account.id, "normal") is False and view.rules_table.rowCount() == 2
    assert ledger_fingerprint() == before
    assert w.services.approvals.current_policy(w.admin).version == 0


def test_removing_a_rule_and_the_catch_all_stays(qtbot, payment_world):
    w = payment_world
    w.services.approvals.save_policy(w.admin, {"rules": [
        {"debit_account_id": None, "payment_type": None, "tiers": [{"up_to": None, "approvers": 1}]},
        {"debit_account_id": w.account.id, "payment_type": None, "tiers": [{"up_to": None, "approvers": 2}]}]})
    view = _view(qtbot, w, w.admin)
    assert view.rules_table.rowCount() == 2
    view.select_rule(view.rule_index(None, None))
    assert not view.remove_rule_button.isEnabled()
    assert "cannot be removed" in view.remove_rule_button.toolTip()
    assert view.remove_rule() is False
    view.activateWindow()
    view.rules_table.setFocus()
    qtbot.keyClick(view.rules_table, Qt.Key.Key_Delete)
    assert view.rules_table.rowCount() == 2
    _add_rule(qtbot, view, None, "urgent")                              # added, then removed with the button
    assert view.rules_table.rowCount() == 3 and view.current_rule().scope == (None, "urgent")
    assert view.remove_rule_button.isEnabled()
    qtbot.mouseClick(view.remove_rule_button, Qt.MouseButton.LeftButton)
    assert view.rule_index(None, "urgent") == -1 and view.rules_table.rowCount() == 2
    view.select_rule(view.rule_index(w.account.id, None))
    assert view.remove_rule_button.isEnabled()
    view.rules_table.setFocus()
    qtbot.keyClick(view.rules_table, Qt.Key.Key_Delete)                  # the keyboard removes it too
    assert view.rules_table.rowCount() == 1 and view.current_rule().is_catch_all
    assert not view.remove_rule_button.isEnabled() and view.has_unsaved_changes()
    view.save()
    assert wait_idle(20)
    assert view.problem_text() == ""
    policy = w.services.approvals.current_policy(w.admin)
    assert policy.version == 2 and [(r.debit_account_id, r.payment_type) for r in policy.rules] == [(None, None)]
    assert _submit(w, w.account.id, "100.00").required_approvals == 1
    assert view.history.rowCount() == 2
    assert [view.history.item(r, 0).text() for r in range(2)] == ["2", "1"]


@pytest.mark.parametrize(("row", "col", "value", "needle"), [
    (1, COL_APPROVERS, "0", "from 1 to 9"),
    (1, COL_UP_TO, "100.00", "increase"),
])
def test_bad_value_is_refused_with_the_message_shown_and_nothing_written(qtbot, payment_world, ledger_fingerprint,
                                                                         row, col, value, needle):
    w = payment_world
    view = _view(qtbot, w, w.admin)
    before = ledger_fingerprint()
    view.set_cell(row, col, value)
    view.save()
    assert wait_idle(20)
    text = view.problem_text()
    assert needle in text and "tier 2" in text
    assert view.cell_is_flagged(row) and not view.cell_is_flagged(0)
    assert view.rule_is_flagged(0) and "tier 2" in view.rule_problems.text()
    assert ledger_fingerprint() == before
    assert w.services.approvals.current_policy(w.admin).version == 0
    # correcting the value clears the problem and saves
    view.set_cell(row, col, "3" if col == COL_APPROVERS else "2000000.00")
    view.save()
    assert wait_idle(20)
    assert view.problem_text() == "" and not view.cell_is_flagged(row) and not view.rule_is_flagged(0)
    assert not view.rule_problems.isVisible()
    assert w.services.approvals.current_policy(w.admin).version == 1
    # back to the stored value after a refused edit: nothing to save, and the problem goes away
    view.set_cell(row, col, "0" if col == COL_APPROVERS else "100.00")
    view.save()
    assert wait_idle(20)
    assert view.cell_is_flagged(row)
    view.set_cell(row, col, "3" if col == COL_APPROVERS else "2000000.00")
    view.save()
    assert "No changes" in view.status.text() and view.problem_text() == "" and not view.cell_is_flagged(row)


def test_problem_in_another_rule_is_shown_next_to_that_rule(qtbot, payment_world, ledger_fingerprint):
    w = payment_world
    view = _view(qtbot, w, w.admin)
    _add_rule(qtbot, view, w.account.id, None)
    view.set_cell(1, COL_APPROVERS, "12")
    view.set_cell(2, COL_UP_TO, "5000000.00")                             # the last tier must be open-ended
    view.select_rule(view.rule_index(None, None))                         # save while the catch-all is shown
    before = ledger_fingerprint()
    view.save()
    assert wait_idle(20)
    assert ledger_fingerprint() == before and w.services.approvals.current_policy(w.admin).version == 0
    index = view.rule_index(w.account.id, None)
    assert view.rules_table.currentRow() == index                         # the editor jumps to the rule
    assert view.rule_is_flagged(index) and not view.rule_is_flagged(view.rule_index(None, None))
    assert view.cell_is_flagged(1, COL_APPROVERS) and not view.cell_is_flagged(1, COL_UP_TO)
    assert view.cell_is_flagged(2, COL_UP_TO) and not view.cell_is_flagged(0, COL_APPROVERS)
    assert "from 1 to 9" in view.tiers.item(1, COL_APPROVERS).toolTip()
    lines = view.rule_problems.text().split("\n")
    assert lines[0].startswith("tier 2: Approvers") and lines[1].startswith("tier 3: The last tier")
    assert "****0001" in view.problem_text() and "tier 3" in view.problem_text()
    assert "from 1 to 9" in view.rules_table.item(index, 0).toolTip()


def test_bad_threshold_and_window_are_shown_under_their_fields(qtbot, payment_world, ledger_fingerprint):
    w = payment_world
    view = _view(qtbot, w, w.admin)
    before = ledger_fingerprint()
    view.threshold.setText("1,000.00")
    view.window_days.setText("-3")
    view.save()
    assert wait_idle(20)
    text = view.problem_text()
    assert "Password re-entry above" in text and "Duplicate window" in text
    assert view.threshold_error.isVisible() and "separators" in view.threshold_error.text()
    assert view.window_error.isVisible() and "0 to 366" in view.window_error.text()
    assert not view.rule_is_flagged(0)
    assert ledger_fingerprint() == before


def test_unsaved_edits_are_kept_on_refresh_and_discarding_asks(qtbot, payment_world, monkeypatch):
    w = payment_world
    view = _view(qtbot, w, w.admin)
    _add_rule(qtbot, view, w.account.id, "urgent")
    view.refresh()                                                       # e.g. the page is shown again
    assert wait_idle(20)
    assert view.rules_table.rowCount() == 2 and view.has_unsaved_changes()
    monkeypatch.undo()                                                   # the real question box from here on

    def answer(button_name: str) -> None:
        box = next(b for b in QApplication.topLevelWidgets()
                   if isinstance(b, QMessageBox) and b.objectName() == "discardChangesBox" and b.isVisible())
        answered.append(box.text())
        box.findChild(QPushButton, button_name).click()

    answered: list[str] = []
    QTimer.singleShot(0, lambda: answer("keepEditingButton"))
    assert view.discard_changes() is False
    assert answered and "not saved" in answered[0]
    assert view.rules_table.rowCount() == 2
    QTimer.singleShot(0, lambda: answer("keepEditingButton"))
    view.close()                                                         # closing the window asks too
    assert view.isVisible() and len(answered) == 2
    QTimer.singleShot(0, lambda: answer("confirmDiscardButton"))
    assert view.discard_changes() is True
    assert wait_idle(20)
    assert view.rules_table.rowCount() == 1 and not view.has_unsaved_changes()
    assert w.services.approvals.current_policy(w.admin).version == 0
    view.close()                                                         # nothing unsaved: no question
    assert not view.isVisible() and len(answered) == 3


def test_keyboard_flow_enter_edits_tab_moves_ctrl_s_saves(qtbot, payment_world):
    w = payment_world
    view = _view(qtbot, w, w.admin)
    view.activateWindow()
    view.tiers.setFocus()
    view.tiers.setCurrentCell(0, COL_UP_TO)
    qtbot.keyClick(view.tiers, Qt.Key.Key_Return)                       # Enter starts editing the cell
    assert view.tiers.state() == view.tiers.State.EditingState
    editor = QApplication.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, "30000.00")
    qtbot.keyClick(editor, Qt.Key.Key_Return)                           # Enter commits it (queued by Qt)
    QApplication.processEvents()
    assert view.tiers.state() != view.tiers.State.EditingState
    assert view.tiers.item(0, COL_UP_TO).text() == "30000.00" and view.cell_text(0, COL_UP_TO) == "30,000.00"
    assert view.has_unsaved_changes()
    qtbot.keyClick(view.tiers, Qt.Key.Key_Tab)                          # Tab: next cell
    assert (view.tiers.currentRow(), view.tiers.currentColumn()) == (0, COL_APPROVERS)
    view.tiers.setCurrentCell(2, COL_ROLE)
    qtbot.keyClick(view.tiers, Qt.Key.Key_Tab)                          # after the last cell: out of the table
    assert QApplication.focusWidget() is view.add_row_button
    qtbot.keyClick(view.add_row_button, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is view.remove_row_button
    qtbot.keyClick(view.remove_row_button, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is view.threshold
    view.threshold.selectAll()
    qtbot.keyClicks(view.threshold, "200000.00")
    qtbot.keyClick(view.threshold, Qt.Key.Key_Return)                   # Enter in a field saves
    assert wait_idle(20)
    policy = w.services.approvals.current_policy(w.admin)
    assert policy.version == 1 and policy.password_threshold_minor == 20_000_000
    assert policy.rules[0].tiers[0].up_to_minor == 3_000_000
    view.window_days.setText("10")
    view.tiers.setFocus()
    view.tiers.setCurrentCell(1, COL_UP_TO)
    qtbot.keyClick(view.tiers, Qt.Key.Key_Return)
    editor = QApplication.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, "2000000.00")
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # Ctrl+S while typing in a cell
    assert wait_idle(20)
    policy = w.services.approvals.current_policy(w.admin)
    assert policy.version == 2 and policy.duplicate_window_days == 10
    assert policy.rules[0].tiers[1].up_to_minor == 200_000_000


def test_non_admin_sees_the_policy_read_only_and_cannot_save(qtbot, payment_world):
    w = payment_world
    view = _view(qtbot, w, w.actor("approver1"))
    assert view.tiers.rowCount() == 3 and "Version 0" in view.version_label.text()
    assert not view.save_button.isVisible() and not view.add_row_button.isVisible()
    assert not view.add_rule_button.isVisible() and not view.remove_rule_button.isVisible()
    assert view.threshold.isReadOnly()
    assert view.tiers.editTriggers() == view.tiers.EditTrigger.NoEditTriggers
    assert view.add_rule() is None and view.insert_rule(w.account.id, None) is False
    view.add_tier()
    assert view.tiers.rowCount() == 3
    view.save()                                                          # Ctrl+S: the service refuses
    assert wait_idle(20)
    assert "approver1 may not change the approval policy" in view.problem_text()
    assert w.services.approvals.current_policy(w.admin).version == 0


def test_admin_area_has_the_policy_tab(qtbot, payment_world):
    w = payment_world
    admin = AdminView(w.services, w.admin)
    qtbot.addWidget(admin)
    admin.show_tab("approval_policy")
    assert admin.tabs.currentWidget() is admin.approval_policy
    assert admin.tabs.tabText(admin.tabs.indexOf(admin.approval_policy)) == "Approval policy"
    admin.refresh()
    assert wait_idle(20)
    assert admin.approval_policy.tiers.rowCount() == 3
