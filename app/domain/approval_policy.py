"""Approval policies: how many approvers a payment needs, and whether one must hold a named role.

A policy is a list of rules; a rule applies to one debit account (or any) and one payment type (normal /
urgent, or any) and lists amount tiers. The most specific matching rule wins (account + type, then account,
then type, then the catch-all); inside it, the first tier whose ``up_to_minor`` (inclusive) covers the amount.

Policies are versioned: every edit stores a new version (never updated in place) and the version a payment
was submitted under is recorded on it. The policy also carries the amount above which an approver must
re-enter their password, and the duplicate-suspicion window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from app.domain.errors import Problem
from app.domain.money import check_amount, format_amount
from app.domain.users import Role

POLICY_FIELD = "POLICY"
PAYMENT_TYPES = ("normal", "urgent")
MAX_APPROVERS = 9


@dataclass(frozen=True)
class ApprovalTier:
    up_to_minor: int | None      # inclusive upper bound; None = no upper bound (the last tier)
    approvers: int
    required_role: str | None = None   # at least one of the approvers must hold this role

    def to_dict(self) -> dict:
        return {"up_to_minor": self.up_to_minor, "approvers": self.approvers, "required_role": self.required_role}


@dataclass(frozen=True)
class ApprovalRule:
    tiers: tuple[ApprovalTier, ...]
    debit_account_id: int | None = None   # None = any account
    payment_type: str | None = None       # "normal" | "urgent" | None = any

    def specificity(self) -> int:
        return (2 if self.debit_account_id is not None else 0) + (1 if self.payment_type is not None else 0)

    def matches(self, debit_account_id: int, payment_type: str) -> bool:
        return ((self.debit_account_id is None or self.debit_account_id == debit_account_id)
                and (self.payment_type is None or self.payment_type == payment_type))

    def to_dict(self) -> dict:
        return {"debit_account_id": self.debit_account_id, "payment_type": self.payment_type,
                "tiers": [t.to_dict() for t in self.tiers]}


@dataclass(frozen=True)
class Requirement:
    approvers: int
    required_role: str | None


@dataclass(frozen=True)
class ApprovalPolicy:
    version: int                              # 0 = the built-in default (never stored)
    rules: tuple[ApprovalRule, ...]
    password_threshold_minor: int = 10_000_000   # above 100,000.00 the approver re-enters the password
    duplicate_window_days: int = 7
    created_at: datetime | None = None
    created_by: str | None = None
    id: int | None = None

    def requirement(self, debit_account_id: int, payment_type: str, amount_minor: int) -> Requirement:
        candidates = [r for r in self.rules if r.matches(debit_account_id, payment_type)]
        if not candidates:
            return Requirement(1, None)
        rule = max(candidates, key=lambda r: r.specificity())
        for tier in rule.tiers:
            if tier.up_to_minor is None or amount_minor <= tier.up_to_minor:
                return Requirement(tier.approvers, tier.required_role)
        last = rule.tiers[-1]
        return Requirement(last.approvers, last.required_role)

    def to_dict(self) -> dict:
        return {"rules": [r.to_dict() for r in self.rules],
                "password_threshold_minor": self.password_threshold_minor,
                "duplicate_window_days": self.duplicate_window_days}


DEFAULT_RULES = (ApprovalRule(tiers=(
    ApprovalTier(4_999_999, 1),                  # below 50,000.00: one approver
    ApprovalTier(100_000_000, 2),                # up to 1,000,000.00: two
    ApprovalTier(None, 3, Role.ADMIN.value),     # above: three, one of them an administrator
)),)
DEFAULT_POLICY = ApprovalPolicy(version=0, rules=DEFAULT_RULES)


def describe_tier(tier: ApprovalTier) -> str:
    bound = "any amount" if tier.up_to_minor is None else f"up to {format_amount(tier.up_to_minor)}"
    role = f", one holding the role {tier.required_role}" if tier.required_role else ""
    return f"{bound}: {tier.approvers} approver(s){role}"


# -- parsing an edited policy ----------------------------------------------------------------------------------
def _problem(message: str, path: str) -> Problem:
    return Problem(POLICY_FIELD, message, path)


def _amount(raw: object, path: str, problems: list[Problem]) -> int | None:
    """An amount as text ("50000.00") or as minor units (int)."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        if raw <= 0:
            problems.append(Problem("AMOUNT_NOT_POSITIVE", "an amount bound must be greater than zero", path))
            return None
        return raw
    money, amount_problems = check_amount(raw, field=path)
    problems += amount_problems
    return money.amount_minor if money else None


def _int(raw: object, path: str, lo: int, hi: int, problems: list[Problem]) -> int | None:
    if isinstance(raw, str) and raw.isascii() and raw.isdigit():
        raw = int(raw)
    if not isinstance(raw, int) or isinstance(raw, bool) or not lo <= raw <= hi:
        problems.append(_problem(f"expected a whole number from {lo} to {hi}, got {raw!r}", path))
        return None
    return raw


def _role(raw: object, path: str, problems: list[Problem]) -> str | None:
    if raw in (None, ""):
        return None
    try:
        return Role.parse(str(raw)).value
    except ValueError:
        problems.append(_problem(f"unknown role {raw!r}; use one of {', '.join(r.value for r in Role)}", path))
        return None


def _tiers(raw: object, path: str, problems: list[Problem]) -> tuple[ApprovalTier, ...]:
    if not isinstance(raw, list | tuple) or not raw:
        problems.append(_problem("a rule needs at least one amount tier", path))
        return ()
    tiers: list[ApprovalTier] = []
    previous = 0
    for i, item in enumerate(raw):
        tp = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            problems.append(_problem("a tier is an object with up_to, approvers and required_role", tp))
            continue
        bound_raw = item.get("up_to_minor", item.get("up_to"))
        bound = _amount(bound_raw, f"{tp}.up_to", problems)
        approvers = _int(item.get("approvers"), f"{tp}.approvers", 1, MAX_APPROVERS, problems)
        role = _role(item.get("required_role"), f"{tp}.required_role", problems)
        last = i == len(raw) - 1
        if bound is None and bound_raw in (None, "") and not last:
            problems.append(_problem("only the last tier may be open-ended", tp))
        if bound is not None and bound <= previous:
            problems.append(_problem("tier bounds must increase", tp))
        if last and bound is not None:
            problems.append(_problem("the last tier must be open-ended (no up_to) so every amount is covered", tp))
        if bound is not None:
            previous = bound
        if approvers is not None:
            tiers.append(ApprovalTier(bound, approvers, role))
    return tuple(tiers)


def parse_policy(fields: Mapping[str, object], base: ApprovalPolicy = DEFAULT_POLICY
                 ) -> tuple[ApprovalPolicy | None, list[Problem]]:
    """Edited policy (``rules``, ``password_threshold`` (text or minor units), ``duplicate_window_days``) →
    (policy without version, problems). Keys not given keep ``base``'s values."""
    problems: list[Problem] = []
    unknown = set(fields) - {"rules", "password_threshold", "password_threshold_minor", "duplicate_window_days"}
    problems += [_problem(f"unknown field {k!r}", str(k)) for k in sorted(unknown)]
    rules = base.rules
    if "rules" in fields:
        raw_rules = fields["rules"]
        parsed: list[ApprovalRule] = []
        if not isinstance(raw_rules, list | tuple) or not raw_rules:
            problems.append(_problem("a policy needs at least one rule", "rules"))
        else:
            seen: set[tuple] = set()
            for i, item in enumerate(raw_rules):
                path = f"rules[{i}]"
                if not isinstance(item, Mapping):
                    problems.append(_problem("a rule is an object", path))
                    continue
                account = item.get("debit_account_id")
                if account in ("", None):
                    account = None
                else:
                    account = _int(account, f"{path}.debit_account_id", 1, 10**12, problems)
                ptype = item.get("payment_type")
                if ptype in ("", None, "any"):
                    ptype = None
                elif ptype not in PAYMENT_TYPES:
                    problems.append(_problem(f"payment_type must be normal, urgent or any, got {ptype!r}",
                                             f"{path}.payment_type"))
                    ptype = None
                key = (account, ptype)
                if key in seen:
                    problems.append(_problem("two rules for the same account and payment type", path))
                seen.add(key)
                parsed.append(ApprovalRule(_tiers(item.get("tiers"), f"{path}.tiers", problems), account, ptype))
            if not any(r.debit_account_id is None and r.payment_type is None for r in parsed):
                problems.append(_problem("the policy needs a catch-all rule (any account, any payment type)",
                                         "rules"))
        rules = tuple(parsed)
    threshold = base.password_threshold_minor
    for key in ("password_threshold", "password_threshold_minor"):
        if key in fields:
            value = _amount(fields[key], key, problems)
            if value is not None:
                threshold = value
    window = base.duplicate_window_days
    if "duplicate_window_days" in fields:
        window = _int(fields["duplicate_window_days"], "duplicate_window_days", 0, 366, problems) or 0
    if problems:
        return None, problems
    return ApprovalPolicy(version=0, rules=rules, password_threshold_minor=threshold,
                          duplicate_window_days=window), problems


def policy_from_dict(data: Mapping[str, object], *, version: int, created_at: datetime | None = None,
                     created_by: str | None = None, policy_id: int | None = None) -> ApprovalPolicy:
    """A stored policy (JSON written by :meth:`ApprovalPolicy.to_dict`) back into a value."""
    rules = tuple(
        ApprovalRule(tuple(ApprovalTier(t["up_to_minor"], t["approvers"], t.get("required_role"))
                           for t in r["tiers"]), r.get("debit_account_id"), r.get("payment_type"))
        for r in data["rules"])  # type: ignore[union-attr]
    return ApprovalPolicy(version=version, rules=rules,
                          password_threshold_minor=int(data["password_threshold_minor"]),  # type: ignore[arg-type]
                          duplicate_window_days=int(data["duplicate_window_days"]),  # type: ignore[arg-type]
                          created_at=created_at, created_by=created_by, id=policy_id)


__all__ = ["DEFAULT_POLICY", "ApprovalPolicy", "ApprovalRule", "ApprovalTier", "Requirement", "describe_tier",
           "parse_policy", "policy_from_dict"]
