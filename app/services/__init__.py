"""Use cases. One unit of work per public method; every method takes the acting ``Actor`` first.

The composition root (app/bootstrap.py) builds a ``Services`` bundle; the UI and the CLI receive it and
never construct storage or adapters themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from app.services.alerts import AlertService
    from app.services.approvals import ApprovalService
    from app.services.audit import AuditService
    from app.services.auth import AuthService
    from app.services.bank_data import BankDataService
    from app.services.batch_approval import BatchApprovalService
    from app.services.batch_import import BatchImportService
    from app.services.batch_results import BatchResultsService
    from app.services.cnaps import CnapsService
    from app.services.connection_profiles import ConnectionProfileService
    from app.services.events import EventHub
    from app.services.master_data import MasterDataService
    from app.services.payments import PaymentService
    from app.services.reconciliation import ReconciliationService
    from app.services.setup import SetupService
    from app.services.signing import SigningService
    from app.services.statements import StatementService
    from app.services.submission import SubmissionService
    from app.services.users import UserService


@dataclass
class Services:
    setup: SetupService
    auth: AuthService
    users: UserService
    master_data: MasterDataService
    audit: AuditService
    is_demo: bool = False
    ledger_description: str = ""
    profiles: ConnectionProfileService | None = None  # bank connection profiles, certificates, test tool
    bank_data: BankDataService | None = None  # balances, transaction details, message log
    events: EventHub | None = None  # what services announce (the UI's event bridge listens)
    payments: PaymentService | None = None  # payment requests: create, edit, submit, list, show
    approvals: ApprovalService | None = None  # approval inbox, approve / reject, approval policy versions
    signing: SigningService | None = None  # batches ready to sign, one signature per batch, signed batches
    submission: SubmissionService | None = None  # the engine: send exactly once, follow up, monitor, re-initiate
    statements: StatementService | None = None  # statement files (camt.05x, MT940/942): preview, import
    batch_import: BatchImportService | None = None  # batch files (payroll, supplier): preview, import, profiles
    batch_approval: BatchApprovalService | None = None  # batch-level approval / rejection
    batch_results: BatchResultsService | None = None  # per-batch results, exports, failed lines re-initiated
    cnaps: CnapsService | None = None  # CNAPS branch directory (shipped table or an installed full list)
    alerts: AlertService | None = None  # findings people must look at (reconciliation I7, later risk rules)
    reconciliation: ReconciliationService | None = None  # bank debits vs payments (I7), raises alerts
