"""Master data: the organization, its bank accounts and its payees (values, no behaviour on storage)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class AccountKind(str, Enum):
    CORPORATE = "corporate"
    PERSONAL = "personal"


@dataclass(frozen=True)
class Organization:
    id: int
    name: str
    uscc: str | None = None   # 统一社会信用代码
    is_demo: bool = False


@dataclass(frozen=True)
class BankAccount:
    id: int
    org_id: int
    bank_name: str            # e.g. 招商银行
    branch_name: str          # e.g. 招商银行深圳分行营业部
    cnaps_code: str           # 12-digit 联行号
    account_number: str
    account_name: str
    currency: str = "CNY"
    plugin_id: str | None = None            # bank plugin manifest id, e.g. "cmb_fbsdk"
    connection_profile_id: int | None = None
    is_active: bool = True
    version: int = 1


@dataclass(frozen=True)
class Payee:
    id: int
    org_id: int
    name: str
    account_number: str
    bank_name: str
    branch_name: str
    cnaps_code: str
    uscc: str | None = None
    kind: AccountKind = AccountKind.CORPORATE
    is_active: bool = True
    version: int = 1
    # A change of bank details (PAYEE_BANK_FIELDS) needs a second person's confirmation before payments to the
    # payee can proceed: ``confirmed`` is False and ``changed_by`` names who changed them until then. New payees
    # are confirmed (only changes need confirmation).
    confirmed: bool = True
    changed_by: int | None = None
    confirmed_by: int | None = None


# The editable fields of each entity, in form order (services, CLI and UI share these names).
BANK_ACCOUNT_FIELDS = ("bank_name", "branch_name", "cnaps_code", "account_number", "account_name",
                       "currency", "plugin_id")
# Changing any of these (the bank details) makes the payee unconfirmed until a second person confirms it.
PAYEE_BANK_FIELDS = ("name", "account_number", "bank_name", "cnaps_code")
PAYEE_FIELDS = ("name", "account_number", "bank_name", "branch_name", "cnaps_code", "uscc", "kind")
ORGANIZATION_FIELDS = ("name", "uscc")
