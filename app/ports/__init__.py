"""Ports: the protocols the core depends on. Implemented by storage/, app/adapters/ and bank_plugins/."""

from app.ports.clock import Clock, SystemClock
from app.ports.passwords import PasswordHasher
from app.ports.secrets import SecretStore
from app.ports.unit_of_work import (
    AuditLog,
    BankAccountRepository,
    OrganizationRepository,
    PayeeRepository,
    UnitOfWork,
    UnitOfWorkFactory,
    UserRepository,
)

__all__ = [
    "AuditLog",
    "BankAccountRepository",
    "Clock",
    "OrganizationRepository",
    "PasswordHasher",
    "PayeeRepository",
    "SecretStore",
    "SystemClock",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UserRepository",
]
