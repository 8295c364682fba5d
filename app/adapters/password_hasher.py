"""Argon2id password hashing (argon2-cffi), RFC 9106 low-memory profile by default."""

from __future__ import annotations

import argon2
from argon2 import profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Argon2PasswordHasher:
    """Implements app.ports.PasswordHasher. PHC strings; ``needs_rehash`` is true when parameters rose."""

    def __init__(self, parameters: argon2.Parameters | None = None):
        params = parameters or profiles.RFC_9106_LOW_MEMORY  # m=64 MiB, t=3, p=4, Argon2id
        self._hasher = argon2.PasswordHasher.from_parameters(params)

    @classmethod
    def for_tests(cls) -> Argon2PasswordHasher:
        """Cheap parameters so test suites stay fast; never used by the application."""
        return cls(profiles.CHEAPEST)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
