"""Payment requests (付款申请): create, edit, submit for approval, list, show.

Life of a request (every status change goes through app.domain.payment.transition, writes a
payment_status_history row and an audit entry):

* ``create`` → DRAFT (maker role). ``submit`` → PENDING_APPROVAL after validating again; the approval policy
  version and what it requires (number of approvers, named role) are recorded on the payment.
* ``update`` (the maker only, optimistic ``expected_version``) is allowed while DRAFT, PENDING_APPROVAL or
  REJECTED. An edit that changes the content (a new content hash) **voids every live approval** (the rows stay,
  marked void, in the history); a REJECTED payment goes back to DRAFT (the maker checks it and submits again);
  a PENDING_APPROVAL payment stays pending, its requirement recomputed, and every approver starts over.
  An APPROVED payment that is not signed (and in no signed batch) may be edited too: its approvals are voided
  and it goes back APPROVED → PENDING_APPROVAL (history + audit), so the approvals are required again. The
  status changes before the content does, in the same transaction, so the database rules (approvals voided
  first, content changes only before approval) hold. SIGNED or later payments are never editable.
* Duplicate suspicion: the same payee and amount with an execution date within the policy's window (default 7
  days) gives the warning DUPLICATE_SUSPECT; saving or submitting then needs ``override_duplicate=True``, and
  the override is audited (``payment.duplicate_override``).
* The bank's own text rules: when the debit account's bank is known (account → connection profile → plugin
  manifest, :mod:`app.services.bank_rules`) its limits govern the purpose and the payee name, as at batch import
  (CMB NUSAGE 62 and CRTNAM 200 GBK bytes, ISO 20022 140 characters), within what the ledger stores
  (STORED_TEXT_MAX_CHARS); otherwise the conservative 60 GBK bytes hold for both. The bank's findings carry the
  bank, its wire field and limit in ``Problem.params`` (as the pre-sign check's): a purpose the bank cannot carry
  is refused when the payment is saved or submitted; a payee name (or payee bank name) it cannot carry is a warning
  on ``payee_id`` then (the name is the payee's, corrected in the payee form) and refused before signing.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import timedelta

from app.domain.approval_policy import DEFAULT_POLICY, ApprovalPolicy
from app.domain.bank_fields import WireTextRules
from app.domain.batch_import import STORED_TEXT_MAX_CHARS
from app.domain.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    Problem,
    Severity,
    ValidationFailed,
    errors_only,
    warnings_only,
)
from app.domain.payment import PaymentStatus, transition
from app.domain.payment_request import (
    PaymentDetail,
    PaymentRequest,
    business_today,
    check_against_ledger,
    content_hash,
    duplicate_warning,
    parse_payment_fields,
)
from app.domain.text import TEXT_LENGTH, check_text
from app.domain.users import Actor, Role
from app.domain.validation import BANK_ENCODING, NAME_MAX_BYTES
from app.ports import Clock, UnitOfWorkFactory
from app.services.bank_rules import ManifestLookup, account_rules, registry_manifests
from app.services.master_data import Saved
from app.services.payee_guard import refuse_unconfirmed
from app.services.permissions import require_any, require_logged_in

PAYMENTS_CHANGED = "payments_changed"   # event: {"ids": [...], "status": "..."}

# Audit actions (stable strings, stored forever).
PAYMENT_CREATED = "payment.created"
PAYMENT_UPDATED = "payment.updated"
PAYMENT_STATUS = "payment.status_changed"
PAYMENT_DUPLICATE_OVERRIDE = "payment.duplicate_override"
APPROVALS_VOIDED = "payment.approvals_voided"

CONTENT_CHANGED = "CONTENT_CHANGED"
NOT_EDITABLE = "PAYMENT_NOT_EDITABLE"
NOT_MAKER = "NOT_MAKER"

EDITABLE = frozenset({PaymentStatus.DRAFT, PaymentStatus.PENDING_APPROVAL, PaymentStatus.REJECTED})
# Payments that do not count for duplicate suspicion.
_NOT_DUPLICATES = (PaymentStatus.CANCELLED.value, PaymentStatus.FAILED.value, PaymentStatus.EXPIRED.value,
                   PaymentStatus.REJECTED.value)


def current_policy(uow) -> ApprovalPolicy:
    """The newest stored approval policy version, or the built-in default (version 0)."""
    return uow.approval_policies.current() or DEFAULT_POLICY


def change_status(uow, actor: Actor, payment: PaymentRequest, to: PaymentStatus, detail: str | None = None,
                  **extra) -> PaymentRequest:
    """Move a payment along the state machine (IllegalTransition otherwise), with history and audit."""
    new = transition(payment.status, to)
    updated = uow.payments.set_status(payment.id, payment.version, new, **extra)
    uow.payments.add_history(payment.id, payment.status, new, actor.username, detail)
    uow.audit.append(actor, PAYMENT_STATUS, "payment", str(payment.id),
                     {"from": payment.status.value, "to": new.value, "detail": detail,
                      "content_hash": payment.content_hash})
    return updated


def _require_maker(actor: Actor, payment: PaymentRequest, doing: str) -> None:
    require_any(actor, Role.MAKER, doing=doing)
    if actor.user_id != payment.maker_id:
        raise PermissionDenied(f"only the maker of payment {payment.id} ({payment.maker_name}) may {doing}",
                               code=NOT_MAKER)


def apply_bank_rules(rules: WireTextRules | None, purpose: str, payee, problems: list[Problem]) -> list[Problem]:
    """``problems`` (the voucher form's, whose purpose check used the default PURPOSE_MAX_BYTES) judged by the debit
    account's bank (``rules``; None when it is not known), as the batch import judges a row:

    * the purpose: where the bank declares its purpose field, the bank's own limit replaces the default one (the
      ledger's STORED_TEXT_MAX_CHARS still bounds it) — then the bank's findings (encoding, length), as errors;
    * the payee name (and the payee's bank name): the bank's findings, or NAME_MAX_BYTES where the bank's name field
      is not known. The name belongs to the payee, not to this voucher, so these are warnings here (on
      ``payee_id``, with the bank, wire field and limit in ``params``); the pre-sign check refuses them.
    """
    out = list(problems)
    if rules is not None and rules.governs("purpose"):
        out = [p for p in out if not (p.field == "purpose" and p.code == TEXT_LENGTH)]
        out += [p for p in check_text(purpose, "purpose", required=True, max_chars=STORED_TEXT_MAX_CHARS)
                if p.code == TEXT_LENGTH]
    if rules is not None and not any(p.is_error for p in out if p.field == "purpose"):
        out += rules.check_purpose(purpose)
    if payee is None:
        return out
    found: list[tuple[str, Problem]] = []
    if rules is None or not rules.governs("payee_name"):
        found += [(f"the payee name {payee.name!r}", Problem(
            p.code, f"{p.message}; the debit account's bank does not say how long a name may be, so the conservative "
            "limit applies", p.field, params=p.params))
            for p in check_text(payee.name, "payee_name", encoding=BANK_ENCODING, max_bytes=NAME_MAX_BYTES)
            if p.code == TEXT_LENGTH]
    if rules is not None:
        found += [(f"the payee name {payee.name!r}", p) for p in rules.check_name(payee.name)]
        if payee.bank_name:
            found += [(f"the payee's bank name {payee.bank_name!r}", p) for p in rules.check_bank_name(payee.bank_name)]
    return out + [Problem(p.code, f"{what}: {p.message}", "payee_id", Severity.WARNING,
                          params={**p.params, "payee_id": payee.id}) for what, p in found]


class PaymentService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, events=None, manifests: ManifestLookup | None = None):
        """``manifests``: plugin id → manifest, for the debit account's bank's text rules (default: the plugin
        registry, as the batch import and the signing service)."""
        self._uow = uow
        self._clock = clock
        self._events = events
        self._manifests = manifests or registry_manifests

    def _publish(self, ids: list[int], status: PaymentStatus) -> None:
        if self._events is not None:
            self._events.publish(PAYMENTS_CHANGED, {"ids": ids, "status": status.value})

    # -- validation ---------------------------------------------------------------------------------------------
    def _check(self, uow, fields: Mapping[str, object], own_id: int | None = None):
        """→ (clean fields, problems incl. the duplicate warning, account, payee)."""
        clean, problems = parse_payment_fields(dict(fields), business_today(self._clock.now()))
        account = uow.accounts.get(clean["debit_account_id"]) if clean["debit_account_id"] is not None else None
        payee = uow.payees.get(clean["payee_id"]) if clean["payee_id"] is not None else None
        refuse_unconfirmed(payee, own_id)
        problems += check_against_ledger(clean, account, payee)
        rules = account_rules(uow, account, self._manifests)[0] if account is not None else None
        problems = apply_bank_rules(rules, clean["purpose"], payee, problems)
        if account is not None and clean["currency"] is None:
            clean["currency"] = account.currency
        if not errors_only(problems):
            dup = self._duplicate(uow, clean["payee_id"], clean["amount_minor"], clean["requested_date"], own_id)
            if dup is not None:
                problems.append(dup)
        return clean, problems, account, payee

    def _duplicate(self, uow, payee_id, amount_minor, requested_date, own_id) -> Problem | None:
        window = current_policy(uow).duplicate_window_days
        if window <= 0:
            return None
        others = uow.payments.find_similar(payee_id, amount_minor, requested_date - timedelta(days=window),
                                           requested_date + timedelta(days=window), own_id, _NOT_DUPLICATES)
        return duplicate_warning(others, window)

    def validate_payment(self, fields: Mapping[str, object], *, payment_id: int | None = None) -> list[Problem]:
        """Every problem of a voucher form (errors and the DUPLICATE_SUSPECT warning), for live inline checks."""
        with self._uow(read_only=True) as uow:
            return self._check(uow, fields, payment_id)[1]

    @staticmethod
    def _refuse(problems: list[Problem], override_duplicate: bool) -> None:
        if errors_only(problems):
            raise ValidationFailed(problems)
        if not override_duplicate and any(p.code == "DUPLICATE_SUSPECT" for p in problems):
            raise ValidationFailed(problems)

    @staticmethod
    def _content(clean: Mapping[str, object]) -> dict:
        return {k: clean[k] for k in ("debit_account_id", "payee_id", "amount_minor", "currency", "purpose",
                                      "requested_date", "urgent")}

    @staticmethod
    def _hash(clean: Mapping[str, object], account, payee) -> str:
        return content_hash(account, payee, clean["amount_minor"], clean["currency"], clean["purpose"],
                            clean["requested_date"], clean["urgent"])

    def _audit_override(self, uow, actor: Actor, payment: PaymentRequest, problems: list[Problem]) -> None:
        dup = next(p for p in problems if p.code == "DUPLICATE_SUSPECT")
        uow.audit.append(actor, PAYMENT_DUPLICATE_OVERRIDE, "payment", str(payment.id),
                         {"similar_payments": dup.params.get("payment_ids", []),
                          "window_days": dup.params.get("window_days"), "amount_minor": payment.amount_minor,
                          "payee_id": payment.payee_id})

    # -- commands -----------------------------------------------------------------------------------------------
    def create(self, actor: Actor, fields: Mapping[str, object], *,
               override_duplicate: bool = False) -> Saved[PaymentRequest]:
        require_any(actor, Role.MAKER, doing="create payments")
        with self._uow() as uow:
            clean, problems, account, payee = self._check(uow, fields)
            self._refuse(problems, override_duplicate)
            org = uow.organizations.get()
            if org is None:
                raise NotFound("organization", "this ledger")
            overriding = any(p.code == "DUPLICATE_SUSPECT" for p in problems)
            payment = uow.payments.add(org.id, actor.user_id, self._content(clean), self._hash(clean, account, payee),
                                       duplicate_override=overriding)
            uow.payments.add_history(payment.id, None, PaymentStatus.DRAFT, actor.username, "created")
            uow.audit.append(actor, PAYMENT_CREATED, "payment", str(payment.id), _summary(payment))
            if overriding:
                self._audit_override(uow, actor, payment, problems)
            uow.commit()
        self._publish([payment.id], payment.status)
        return Saved(payment, warnings_only(problems))

    def update(self, actor: Actor, payment_id: int, expected_version: int, fields: Mapping[str, object], *,
               override_duplicate: bool = False) -> Saved[PaymentRequest]:
        require_any(actor, Role.MAKER, doing="change payments")
        with self._uow() as uow:
            payment = self._get(uow, payment_id, for_update=True)
            _require_maker(actor, payment, "change it")
            if payment.status not in EDITABLE and not (payment.status is PaymentStatus.APPROVED
                                                       and uow.signed_batches.batch_of_payment(payment_id) is None):
                raise Conflict(NOT_EDITABLE, f"payment {payment_id} is {payment.status.value} and can no longer be "
                               "changed; cancel it and enter a new one")
            if payment.version != expected_version:
                raise Conflict("STALE_VERSION", f"payment {payment_id} was changed by someone else (you edited "
                               f"version {expected_version}, it is now version {payment.version}); reload it")
            clean, problems, account, payee = self._check(uow, fields, payment_id)
            self._refuse(problems, override_duplicate)
            new_hash = self._hash(clean, account, payee)
            if new_hash == payment.content_hash and clean["payee_id"] == payment.payee_id \
                    and clean["debit_account_id"] == payment.debit_account_id:
                return Saved(payment, warnings_only(problems))
            voided = uow.approvals.void_active(payment_id, "content edited by the maker")
            was_approved = payment.status is PaymentStatus.APPROVED
            if was_approved:
                # Back to approval first (the content of an approved payment is frozen in the database).
                payment = change_status(uow, actor, payment, PaymentStatus.PENDING_APPROVAL,
                                        f"content edited after approval; {voided} approval(s) voided, approval "
                                        "starts over")
            overriding = any(p.code == "DUPLICATE_SUSPECT" for p in problems)
            updated = uow.payments.update_content(payment_id, payment.version, self._content(clean), new_hash,
                                                  duplicate_override=overriding)
            uow.audit.append(actor, PAYMENT_UPDATED, "payment", str(payment_id),
                             {"changes": _changes(payment, updated), "old_content_hash": payment.content_hash,
                              "new_content_hash": new_hash, "approvals_voided": voided})
            if voided:
                uow.audit.append(actor, APPROVALS_VOIDED, "payment", str(payment_id),
                                 {"count": voided, "reason": "content edited",
                                  "old_content_hash": payment.content_hash})
            if overriding:
                self._audit_override(uow, actor, updated, problems)
            if updated.status is PaymentStatus.REJECTED:
                updated = change_status(uow, actor, updated, PaymentStatus.DRAFT, "edited after rejection")
            elif updated.status is PaymentStatus.PENDING_APPROVAL:
                req = current_policy(uow)
                need = req.requirement(updated.debit_account_id, updated.payment_type, updated.amount_minor)
                updated = uow.payments.set_status(updated.id, updated.version, PaymentStatus.PENDING_APPROVAL,
                                                  policy_version=req.version, required_approvals=need.approvers,
                                                  required_role=need.required_role)
            if updated.status is PaymentStatus.PENDING_APPROVAL and not was_approved:
                uow.payments.add_history(updated.id, PaymentStatus.PENDING_APPROVAL, PaymentStatus.PENDING_APPROVAL,
                                         actor.username, f"content edited; {voided} approval(s) voided, "
                                         "approval starts over")
            uow.commit()
        self._publish([payment_id], updated.status)
        return Saved(updated, warnings_only(problems))

    def submit(self, actor: Actor, payment_id: int, *, override_duplicate: bool = False) -> PaymentRequest:
        require_any(actor, Role.MAKER, doing="submit payments")
        with self._uow() as uow:
            payment = self._get(uow, payment_id, for_update=True)
            _require_maker(actor, payment, "submit it")
            if payment.status not in (PaymentStatus.DRAFT, PaymentStatus.REJECTED):
                raise IllegalTransition(payment.status, PaymentStatus.PENDING_APPROVAL)
            clean, problems, account, payee = self._check(uow, _fields_of(payment), payment_id)
            self._refuse(problems, override_duplicate or payment.duplicate_override)
            new_hash = self._hash(clean, account, payee)
            if new_hash != payment.content_hash:  # the payee's or account's details changed since it was saved
                uow.approvals.void_active(payment_id, "payee or account details changed")
                payment = uow.payments.update_content(payment_id, payment.version, self._content(clean), new_hash,
                                                      duplicate_override=payment.duplicate_override)
            dup_now = any(p.code == "DUPLICATE_SUSPECT" for p in problems)
            if dup_now and not payment.duplicate_override:
                self._audit_override(uow, actor, payment, problems)
            if payment.status is PaymentStatus.REJECTED:
                payment = change_status(uow, actor, payment, PaymentStatus.DRAFT, "resubmitted after rejection")
            policy = current_policy(uow)
            need = policy.requirement(payment.debit_account_id, payment.payment_type, payment.amount_minor)
            payment = change_status(
                uow, actor, payment, PaymentStatus.PENDING_APPROVAL,
                f"submitted; policy v{policy.version}: {need.approvers} approver(s)"
                + (f", one with role {need.required_role}" if need.required_role else ""),
                policy_version=policy.version, required_approvals=need.approvers,
                required_role=need.required_role, submitted_at=self._clock.now(),
                duplicate_override=payment.duplicate_override or dup_now)
            uow.commit()
        self._publish([payment_id], payment.status)
        return payment

    def cancel(self, actor: Actor, payment_id: int, reason: str = "") -> PaymentRequest:
        """The maker withdraws a payment that was not signed yet (DRAFT, PENDING_APPROVAL, REJECTED, APPROVED)."""
        with self._uow() as uow:
            payment = self._get(uow, payment_id, for_update=True)
            _require_maker(actor, payment, "cancel it")
            uow.approvals.void_active(payment_id, "payment cancelled")
            payment = change_status(uow, actor, payment, PaymentStatus.CANCELLED, reason or "cancelled by the maker")
            uow.commit()
        self._publish([payment_id], payment.status)
        return payment

    # -- queries ------------------------------------------------------------------------------------------------
    @staticmethod
    def _get(uow, payment_id: int, for_update: bool = False) -> PaymentRequest:
        payment = uow.payments.get(payment_id, for_update=for_update)
        if payment is None:
            raise NotFound("payment", payment_id)
        return payment

    def list(self, actor: Actor, status: PaymentStatus | None = None,
             mine_only: bool = False) -> builtins.list[PaymentRequest]:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            return uow.payments.list(PaymentStatus(status) if status is not None else None,
                                     actor.user_id if mine_only else None)

    def get(self, actor: Actor, payment_id: int) -> PaymentDetail:
        require_logged_in(actor)
        with self._uow(read_only=True) as uow:
            payment = self._get(uow, payment_id)
            account = uow.accounts.get(payment.debit_account_id)
            payee = uow.payees.get(payment.payee_id)
            warnings: list[Problem] = []
            current = content_hash(account, payee, payment.amount_minor, payment.currency, payment.purpose,
                                   payment.requested_date, payment.urgent)
            if current != payment.content_hash:
                warnings.append(Problem(CONTENT_CHANGED, "the payee's or account's bank details changed after this "
                                        "payment was saved; approvals of the old content are no longer valid and "
                                        "the maker must save or submit it again", "payee_id", Severity.WARNING))
            if payment.status in EDITABLE:
                dup = self._duplicate(uow, payment.payee_id, payment.amount_minor, payment.requested_date,
                                      payment.id)
                if dup is not None:
                    warnings.append(dup)
            if payment.required_approvals is not None:
                required, role = payment.required_approvals, payment.required_role
            else:
                need = current_policy(uow).requirement(payment.debit_account_id, payment.payment_type,
                                                       payment.amount_minor)
                required, role = need.approvers, need.required_role
            return PaymentDetail(payment=payment, approvals=uow.approvals.for_payment(payment_id),
                                 history=uow.payments.history(payment_id), payee=payee, account=account,
                                 warnings=warnings, required_approvals=required, required_role=role)


def _fields_of(payment: PaymentRequest) -> dict:
    from app.domain.money import format_amount

    return {"debit_account_id": payment.debit_account_id, "payee_id": payment.payee_id,
            "amount": format_amount(payment.amount_minor).replace(",", ""), "currency": payment.currency,
            "purpose": payment.purpose, "requested_date": payment.requested_date, "urgent": payment.urgent}


def _summary(p: PaymentRequest) -> dict:
    return {"debit_account_id": p.debit_account_id, "payee_id": p.payee_id, "amount_minor": p.amount_minor,
            "currency": p.currency, "purpose": p.purpose, "requested_date": p.requested_date.isoformat(),
            "urgent": p.urgent, "content_hash": p.content_hash}


def _changes(before: PaymentRequest, after: PaymentRequest) -> dict:
    old, new = _summary(before), _summary(after)
    return {k: {"from": old[k], "to": new[k]} for k in old if old[k] != new[k] and k != "content_hash"}
