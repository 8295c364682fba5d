"""Organization, bank accounts and payees: validated, permission-checked, audited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from app.domain.audit import AuditAction
from app.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, errors_only, warnings_only
from app.domain.master_data import PAYEE_BANK_FIELDS, BankAccount, Organization, Payee
from app.domain.users import Actor, Role
from app.domain.validation import validate_bank_account, validate_organization, validate_payee
from app.ports import UnitOfWorkFactory
from app.services.permissions import require_any, require_logged_in

T = TypeVar("T")


@dataclass(frozen=True)
class Saved(Generic[T]):
    """A saved entity and the warnings the user accepted by saving (e.g. a CNAPS check-digit mismatch)."""

    entity: T
    warnings: list


def _diff(before: object, after: Mapping[str, object]) -> dict:
    changes = {}
    for key, new in after.items():
        old = getattr(before, key, None)
        old = getattr(old, "value", old)
        new = getattr(new, "value", new)
        if old != new:
            changes[key] = {"from": old, "to": new}
    return changes


def _refuse_duplicate_payee(uow, clean: Mapping[str, object], own_id: int | None) -> None:
    dup = uow.payees.find_by_account(clean["account_number"], clean["cnaps_code"])
    if dup is not None and dup.id != own_id:
        raise Conflict("DUPLICATE", f"the payee {dup.name} already has the account {clean['account_number']} "
                       f"at bank {clean['cnaps_code']}", "account_number")


def _plain(fields: Mapping[str, object]) -> dict:
    return {k: getattr(v, "value", v) for k, v in fields.items()}


class MasterDataService:
    def __init__(self, uow: UnitOfWorkFactory):
        self._uow = uow

    # -- organization -------------------------------------------------------------------------------------
    def get_organization(self, actor: Actor) -> Organization:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            org = uow.organizations.get()
            if org is None:
                raise NotFound("organization", "this ledger")
            return org

    def update_organization(self, actor: Actor, fields: Mapping[str, object]) -> Organization:
        require_any(actor, Role.ADMIN, doing="change the organization")
        clean, problems = validate_organization(dict(fields))
        if errors_only(problems):
            raise ValidationFailed(problems)
        with self._uow() as uow:
            org = uow.organizations.get()
            if org is None:
                raise NotFound("organization", "this ledger")
            changes = _diff(org, clean)
            if not changes:
                return org
            updated = uow.organizations.update(org.id, clean["name"], clean.get("uscc"))
            uow.audit.append(actor, AuditAction.ORG_UPDATED, "organization", str(org.id), changes)
            uow.commit()
            return updated

    # -- bank accounts ------------------------------------------------------------------------------------
    @staticmethod
    def validate_account(fields: Mapping[str, object]) -> list:
        return validate_bank_account(dict(fields))[1]

    def list_accounts(self, actor: Actor, include_inactive: bool = False) -> list[BankAccount]:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return uow.accounts.list(include_inactive=include_inactive)

    def get_account(self, actor: Actor, account_id: int) -> BankAccount:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            acc = uow.accounts.get(account_id)
            if acc is None:
                raise NotFound("bank account", account_id)
            return acc

    def find_account(self, actor: Actor, key: str) -> BankAccount:
        """By id or account number (what CLI users type)."""
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            acc = uow.accounts.get_by_number(key.strip())
            if acc is None and key.strip().isdigit() and len(key.strip()) < 8:
                acc = uow.accounts.get(int(key))
            if acc is None:
                raise NotFound("bank account", key)
            return acc

    def add_account(self, actor: Actor, fields: Mapping[str, object]) -> Saved[BankAccount]:
        require_any(actor, Role.ADMIN, doing="add bank accounts")
        clean, problems = validate_bank_account(dict(fields))
        if errors_only(problems):
            raise ValidationFailed(problems)
        with self._uow() as uow:
            org = uow.organizations.get()
            if org is None:
                raise NotFound("organization", "this ledger")
            if uow.accounts.get_by_number(clean["account_number"]) is not None:
                raise Conflict("DUPLICATE", f"the account {clean['account_number']} is already in the ledger",
                               "account_number")
            acc = uow.accounts.add(org.id, clean)
            uow.audit.append(actor, AuditAction.ACCOUNT_CREATED, "bank_account", str(acc.id), _plain(clean))
            uow.commit()
            return Saved(acc, warnings_only(problems))

    def update_account(self, actor: Actor, account_id: int, expected_version: int,
                       fields: Mapping[str, object]) -> Saved[BankAccount]:
        require_any(actor, Role.ADMIN, doing="change bank accounts")
        clean, problems = validate_bank_account(dict(fields))
        if errors_only(problems):
            raise ValidationFailed(problems)
        with self._uow() as uow:
            acc = uow.accounts.get(account_id)
            if acc is None:
                raise NotFound("bank account", account_id)
            other = uow.accounts.get_by_number(clean["account_number"])
            if other is not None and other.id != account_id:
                raise Conflict("DUPLICATE", f"the account {clean['account_number']} is already in the ledger",
                               "account_number")
            changes = _diff(acc, clean)
            if not changes:
                return Saved(acc, warnings_only(problems))
            updated = uow.accounts.update(account_id, expected_version, clean)
            uow.audit.append(actor, AuditAction.ACCOUNT_UPDATED, "bank_account", str(acc.id), changes)
            uow.commit()
            return Saved(updated, warnings_only(problems))

    def set_account_active(self, actor: Actor, account_id: int, active: bool) -> BankAccount:
        require_any(actor, Role.ADMIN, doing="activate or deactivate bank accounts")
        with self._uow() as uow:
            acc = uow.accounts.get(account_id)
            if acc is None:
                raise NotFound("bank account", account_id)
            if acc.is_active != active:
                uow.accounts.set_active(account_id, active)
                uow.audit.append(actor, AuditAction.ACCOUNT_UPDATED if active else AuditAction.ACCOUNT_DEACTIVATED,
                                 "bank_account", str(acc.id), {"active": active})
                uow.commit()
            return uow.accounts.get(account_id)

    # -- payees -------------------------------------------------------------------------------------------
    @staticmethod
    def validate_payee(fields: Mapping[str, object]) -> list:
        return validate_payee(dict(fields))[1]

    def payee_ids(self, actor: Actor, query: str = "", order_by: str = "name", descending: bool = False,
                  include_inactive: bool = False) -> list[int]:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return uow.payees.ids(query, order_by, descending, include_inactive)

    def get_payees(self, actor: Actor, ids: Sequence[int]) -> list[Payee]:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return uow.payees.get_many(list(ids))

    def get_payee(self, actor: Actor, payee_id: int) -> Payee:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            payee = uow.payees.get(payee_id)
            if payee is None:
                raise NotFound("payee", payee_id)
            return payee

    def search_payees(self, actor: Actor, query: str = "", offset: int = 0, limit: int = 100,
                      include_inactive: bool = False) -> list[Payee]:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return uow.payees.search(query, offset, limit, include_inactive)

    def count_payees(self, actor: Actor, query: str = "", include_inactive: bool = False) -> int:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return uow.payees.count(query, include_inactive)

    def add_payee(self, actor: Actor, fields: Mapping[str, object]) -> Saved[Payee]:
        require_any(actor, Role.MAKER, Role.ADMIN, doing="add payees")
        clean, problems = validate_payee(dict(fields))
        if errors_only(problems):
            raise ValidationFailed(problems)
        with self._uow() as uow:
            org = uow.organizations.get()
            if org is None:
                raise NotFound("organization", "this ledger")
            _refuse_duplicate_payee(uow, clean, None)
            payee = uow.payees.add(org.id, clean)
            uow.audit.append(actor, AuditAction.PAYEE_CREATED, "payee", str(payee.id), _plain(clean))
            uow.commit()
            return Saved(payee, warnings_only(problems))

    def add_payees_bulk(self, actor: Actor, rows: Sequence[Mapping[str, object]]) -> int:
        """All rows valid or nothing written; every problem of every row reported at once."""
        require_any(actor, Role.MAKER, Role.ADMIN, doing="import payees")
        cleaned, problems = [], []
        for i, row in enumerate(rows, start=1):
            clean, row_problems = validate_payee(dict(row))
            problems += [type(p)(p.code, f"row {i}: {p.message}", p.field, p.severity) for p in row_problems]
            cleaned.append(clean)
        if errors_only(problems):
            raise ValidationFailed(problems)
        with self._uow() as uow:
            org = uow.organizations.get()
            if org is None:
                raise NotFound("organization", "this ledger")
            count = uow.payees.add_many(org.id, cleaned)
            uow.audit.append(actor, AuditAction.PAYEES_IMPORTED, "payee", None, {"rows": count})
            uow.commit()
            return count

    def update_payee(self, actor: Actor, payee_id: int, expected_version: int,
                     fields: Mapping[str, object]) -> Saved[Payee]:
        require_any(actor, Role.MAKER, Role.ADMIN, doing="change payees")
        clean, problems = validate_payee(dict(fields))
        if errors_only(problems):
            raise ValidationFailed(problems)
        with self._uow() as uow:
            payee = uow.payees.get(payee_id)
            if payee is None:
                raise NotFound("payee", payee_id)
            _refuse_duplicate_payee(uow, clean, payee_id)
            changes = _diff(payee, clean)
            if not changes:
                return Saved(payee, warnings_only(problems))
            updated = uow.payees.update(payee_id, expected_version, clean)
            if any(key in changes for key in PAYEE_BANK_FIELDS):
                # Sensitive change: payments to this payee wait for a second person's confirmation.
                uow.payees.mark_changed(payee_id, actor.user_id)
                changes["confirmed"] = {"from": payee.confirmed, "to": False}
                updated = uow.payees.get(payee_id)
            uow.audit.append(actor, AuditAction.PAYEE_UPDATED, "payee", str(payee.id), changes)
            uow.commit()
            return Saved(updated, warnings_only(problems))

    # -- payee confirmation (RELIABILITY.md §3) ------------------------------------------------------------
    # New payees are confirmed; a change of bank details (PAYEE_BANK_FIELDS) by update_payee makes the payee
    # unconfirmed until a different person (maker, approver or admin) confirms it.
    def payees_awaiting_confirmation(self, actor: Actor) -> list[Payee]:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return uow.payees.awaiting_confirmation()

    def confirm_payee(self, actor: Actor, payee_id: int, expected_version: int | None = None) -> Payee:
        """A second person confirms a payee's changed bank details. ``expected_version`` (optional) guards
        against confirming details that changed again since the confirmer looked at them."""
        require_any(actor, Role.MAKER, Role.APPROVER, Role.ADMIN, doing="confirm payee changes")
        with self._uow() as uow:
            payee = uow.payees.get(payee_id)
            if payee is None:
                raise NotFound("payee", payee_id)
            if expected_version is not None and payee.version != expected_version:
                raise Conflict("STALE_VERSION", f"payee {payee_id} was changed by someone else (you looked at "
                               f"version {expected_version}, it is now version {payee.version}); check it again")
            if payee.confirmed:
                raise Conflict("ALREADY_CONFIRMED", f"payee {payee.name} has no change awaiting confirmation")
            if actor.user_id is None or actor.user_id == payee.changed_by:
                raise PermissionDenied(f"you changed the bank details of payee {payee.name}, so someone else must "
                                       "confirm them", code="SELF_CONFIRM")
            uow.payees.confirm(payee_id, actor.user_id)
            uow.audit.append(actor, AuditAction.PAYEE_CONFIRMED, "payee", str(payee_id),
                             {"changed_by": payee.changed_by, "version": payee.version})
            uow.commit()
            return uow.payees.get(payee_id)

    def set_payee_active(self, actor: Actor, payee_id: int, active: bool) -> Payee:
        require_any(actor, Role.MAKER, Role.ADMIN, doing="activate or deactivate payees")
        with self._uow() as uow:
            payee = uow.payees.get(payee_id)
            if payee is None:
                raise NotFound("payee", payee_id)
            if payee.is_active != active:
                uow.payees.set_active(payee_id, active)
                uow.audit.append(actor, AuditAction.PAYEE_UPDATED if active else AuditAction.PAYEE_DEACTIVATED,
                                 "payee", str(payee.id), {"active": active})
                uow.commit()
            return uow.payees.get(payee_id)
