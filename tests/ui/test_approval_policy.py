"""The approval-policy editor (审批策略) in the administration area, against the real services: an administrator
edits a tier and saves → a new, audited version; a bad value (0 approvers, unsorted tiers) is refused with the
message shown and nothing written; non-administrators see the policy read-only."""

from __future__ import annotations

import pytest

from app.domain.approval_policy import DEFAULT_POLICY
from ui.ops import wait_idle
from ui.views.admin import AdminView
from ui.views.approval_policy import COL_APPROVERS, COL_UP_TO, ApprovalPolicyView


def _view(qtbot, w, actor) -> ApprovalPolicyView:
    view = ApprovalPolicyView(w.services, actor)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    view.refresh()
    assert wait_idle(20)
    return view


def test_admin_edits_a_tier_and_saves_a_new_audited_version(qtbot, payment_world):
    w = payment_world
    view = _view(qtbot, w, w.admin)
    assert "Version 0" in view.version_label.text()
    assert view.tiers.rowCount() == len(DEFAULT_POLICY.rules[0].tiers) == 3
    assert view.tiers.item(0, COL_UP_TO).text() == "49999.99"
    assert view.tiers.item(2, COL_UP_TO).text() == "" and view.tiers.item(2, 2).text() == "admin"
    assert view.threshold.text() == "100000.00" and view.window_days.text() == "7"
    view.set_cell(0, COL_UP_TO, "19999.99")
    view.set_cell(1, COL_APPROVERS, "3")
    view.add_tier()  # a new row at the end, then removed again: the table edits are what is saved
    assert view.tiers.rowCount() == 4
    view.tiers.setCurrentCell(3, 0)
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
    assert view.history.count() == 1
    [entry] = [e for e in w.services.audit.entries(w.admin, 0, 100) if e.action == "approval_policy.changed"]
    assert entry.object_id == "1" and entry.payload["to_version"] == 1
    # the new version is used by the next submission
    maker = w.actor("maker")
    p = w.services.payments.create(maker, w.fields(amount="20000.00"), override_duplicate=True).entity
    assert w.services.payments.submit(maker, p.id, override_duplicate=True).required_approvals == 3


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
    assert ledger_fingerprint() == before
    assert w.services.approvals.current_policy(w.admin).version == 0
    # correcting the value clears the problem and saves
    view.set_cell(row, col, "2" if col == COL_APPROVERS else "1000000.00")
    view.save()
    assert wait_idle(20)
    assert view.problem_text() == "" and not view.cell_is_flagged(row)
    assert w.services.approvals.current_policy(w.admin).version == 1


def test_bad_threshold_and_window_are_shown(qtbot, payment_world, ledger_fingerprint):
    w = payment_world
    view = _view(qtbot, w, w.admin)
    before = ledger_fingerprint()
    view.threshold.setText("1,000.00")
    view.window_days.setText("-3")
    view.save()
    assert wait_idle(20)
    text = view.problem_text()
    assert "Password re-entry above" in text and "Duplicate window" in text
    assert ledger_fingerprint() == before


def test_non_admin_sees_the_policy_read_only(qtbot, payment_world):
    w = payment_world
    view = _view(qtbot, w, w.actor("approver1"))
    assert view.tiers.rowCount() == 3 and "Version 0" in view.version_label.text()
    assert not view.save_button.isVisible() and not view.add_row_button.isVisible()
    assert view.threshold.isReadOnly()
    assert view.tiers.editTriggers() == view.tiers.EditTrigger.NoEditTriggers
    view.save()
    view.add_tier()
    assert wait_idle(20)
    assert view.tiers.rowCount() == 3 and w.services.approvals.current_policy(w.admin).version == 0


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
