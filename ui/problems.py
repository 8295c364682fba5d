"""User-facing text for validation problems and errors.

Services speak English with specific detail (``Problem.message``). For each stable ``code`` we keep a short
translatable text: in Chinese the translated text is shown (with the code), in English the service's own,
more specific message. Unknown codes fall back to the service message.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from app.domain.errors import BankDirectError, Problem

translate = QCoreApplication.translate

CODE_TEXTS: dict[str, str] = {
    "REQUIRED": QT_TRANSLATE_NOOP("Problem", "This field is required."),
    "TEXT_REQUIRED": QT_TRANSLATE_NOOP("Problem", "This field is required."),
    "ACCOUNT_LUHN": QT_TRANSLATE_NOOP("Problem", "This card number fails its check digit; please double-check it."),
    "USERNAME": QT_TRANSLATE_NOOP("Problem", "A user name is 2 to 32 characters: a lower-case letter first, then "
                                             "lower-case letters, digits, '_', '.' or '-'."),
    "ACCOUNT_FORMAT": QT_TRANSLATE_NOOP("Problem", "The account number must be digits only, with the length "
                                                   "the bank uses."),
    "BANK_CODE": QT_TRANSLATE_NOOP("Problem", "The CNAPS bank code must be 12 digits of a known bank."),
    "BANK_CODE_CHECK": QT_TRANSLATE_NOOP("Problem", "The CNAPS check digit does not match; please verify "
                                                    "the bank code."),
    "ORG_ID": QT_TRANSLATE_NOOP("Problem", "The unified social credit code is not valid (18 characters with "
                                           "a correct check character)."),
    "TEXT_CHARSET": QT_TRANSLATE_NOOP("Problem", "Contains characters that are not allowed (control, "
                                                 "direction-override, zero-width characters or emoji)."),
    "TEXT_ENCODING": QT_TRANSLATE_NOOP("Problem", "Contains characters the bank cannot transmit (not in "
                                                  "GBK); please use common characters."),
    "TEXT_LENGTH": QT_TRANSLATE_NOOP("Problem", "Too long for the bank's field."),
    "CURRENCY": QT_TRANSLATE_NOOP("Problem", "Unknown currency code."),
    "DUPLICATE": QT_TRANSLATE_NOOP("Problem", "This already exists in the ledger."),
    "USERNAME_FORMAT": QT_TRANSLATE_NOOP("Problem", "User names use letters, digits, dot, dash or underscore."),
    "PASSWORD_TOO_SHORT": QT_TRANSLATE_NOOP("Problem", "The password is too short."),
    "PASSWORD_WEAK": QT_TRANSLATE_NOOP("Problem", "The password is too weak: at least 10 characters, at least 4 "
                                                  "different ones, and not based on the user name."),
    "PASSWORD_MISMATCH": QT_TRANSLATE_NOOP("Problem", "The two passwords differ."),
    "ROLE_REQUIRED": QT_TRANSLATE_NOOP("Problem", "Give the user at least one role."),
    "ROLE_UNKNOWN": QT_TRANSLATE_NOOP("Problem", "Unknown role."),
    "SELF_ROLE_CHANGE": QT_TRANSLATE_NOOP("Problem", "Nobody can change their own roles: ask another "
                                                     "administrator."),
    "SELF_DEACTIVATE": QT_TRANSLATE_NOOP("Problem", "You cannot deactivate yourself."),
    "LAST_ADMIN": QT_TRANSLATE_NOOP("Problem", "The ledger must keep at least one active administrator."),
    "PERMISSION_DENIED": QT_TRANSLATE_NOOP("Problem", "You do not have the role needed for this action."),
    "AUTH_FAILED": QT_TRANSLATE_NOOP("Problem", "Wrong user name or password."),
    "STALE_VERSION": QT_TRANSLATE_NOOP("Problem", "Someone else changed this record meanwhile; reopen it and "
                                                  "try again."),
    "CONFLICT": QT_TRANSLATE_NOOP("Problem", "Someone else changed this record meanwhile; reopen it and "
                                             "try again."),
    "NOT_FOUND": QT_TRANSLATE_NOOP("Problem", "The record no longer exists."),
    "ALREADY_INITIALIZED": QT_TRANSLATE_NOOP("Problem", "This ledger already has an organization."),
    # bank connection profiles
    "FIELD_REQUIRED": QT_TRANSLATE_NOOP("Problem", "This field is required."),
    "PLUGIN_UNKNOWN": QT_TRANSLATE_NOOP("Problem", "This bank plugin is not installed; choose one from the list."),
    "URL_SCHEME": QT_TRANSLATE_NOOP("Problem", "The bank address must start with https://."),
    "URL_FORMAT": QT_TRANSLATE_NOOP("Problem", "Write the bank address as https://host[:port][/path]."),
    "DEMO_LOOPBACK_ONLY": QT_TRANSLATE_NOOP("Problem", "A demo ledger connects only to the sandbox bank on this "
                                                       "computer (127.0.0.1 or localhost)."),
    "SETTINGS_FORMAT": QT_TRANSLATE_NOOP("Problem", "Write plugin settings as key=value, separated by ';'."),
    "TIMEOUT_RANGE": QT_TRANSLATE_NOOP("Problem", "A number of seconds between 0.5 and 300."),
    "PIN_FORMAT": QT_TRANSLATE_NOOP("Problem", "A pin is sha256/ followed by the base64 SHA-256 of the server's "
                                               "public key."),
    "PIN_COUNT": QT_TRANSLATE_NOOP("Problem", "At most 4 pins (the current key and backups)."),
    "FILE_NOT_FOUND": QT_TRANSLATE_NOOP("Problem", "No such file."),
    "FILE_SIZE": QT_TRANSLATE_NOOP("Problem", "This file is too large to be a certificate."),
    "FILE_UNREADABLE": QT_TRANSLATE_NOOP("Problem", "This file cannot be read."),
    "CERT_UNREADABLE": QT_TRANSLATE_NOOP("Problem", "This is not a readable certificate (PEM, DER or PKCS#12)."),
    "CERT_EXPIRED": QT_TRANSLATE_NOOP("Problem", "This certificate has expired."),
    "CERT_NOT_YET_VALID": QT_TRANSLATE_NOOP("Problem", "This certificate is not valid yet."),
    "KEY_UNREADABLE": QT_TRANSLATE_NOOP("Problem", "The private key cannot be read."),
    "KEY_PASSWORD": QT_TRANSLATE_NOOP("Problem", "Wrong password for the key or PKCS#12 file."),
    "KEY_MISMATCH": QT_TRANSLATE_NOOP("Problem", "The private key does not belong to this certificate."),
    "KEY_MISSING": QT_TRANSLATE_NOOP("Problem", "The private key is missing: give the key file or a PKCS#12 file."),
    "NO_PROFILE": QT_TRANSLATE_NOOP("Problem", "This account has no connection profile: link it to one first."),
    # amounts (RELIABILITY.md §2), vouchers and approvals
    "AMOUNT_FORMAT": QT_TRANSLATE_NOOP("Problem", "Not an amount: use ASCII digits 0-9 and an optional '.' with 1 or 2 "
                                                  "decimals, e.g. 1234.56 (no full-width digits, exponent or words)."),
    "AMOUNT_SCALE": QT_TRANSLATE_NOOP("Problem", "At most 2 decimal places; the amount is never rounded."),
    "AMOUNT_RANGE": QT_TRANSLATE_NOOP("Problem", "The amount is larger than the allowed maximum."),
    "AMOUNT_NOT_POSITIVE": QT_TRANSLATE_NOOP("Problem", "The amount must be greater than zero."),
    "AMOUNT_SEPARATOR": QT_TRANSLATE_NOOP("Problem", "Write the amount without thousands separators or a decimal "
                                                     "comma, e.g. 1000.00."),
    "AMOUNT_MISMATCH": QT_TRANSLATE_NOOP("Problem", "The amount in words differs from the amount in figures."),
    "DATE_FORMAT": QT_TRANSLATE_NOOP("Problem", "Write the date as YYYY-MM-DD."),
    "DATE_PAST": QT_TRANSLATE_NOOP("Problem", "The execution date is in the past."),
    "DATE_RANGE": QT_TRANSLATE_NOOP("Problem", "The execution date is too far ahead (at most one year)."),
    "FIELD_VALUE": QT_TRANSLATE_NOOP("Problem", "Choose a valid value."),
    "ACCOUNT_INACTIVE": QT_TRANSLATE_NOOP("Problem", "This account is deactivated."),
    "PAYEE_INACTIVE": QT_TRANSLATE_NOOP("Problem", "This payee is deactivated."),
    "DUPLICATE_SUSPECT": QT_TRANSLATE_NOOP("Problem", "Possible duplicate: a payment of the same amount to the same "
                                                      "payee exists within the duplicate window."),
    "NOT_MAKER": QT_TRANSLATE_NOOP("Problem", "Only the maker of this payment may change or submit it."),
    "PAYMENT_NOT_EDITABLE": QT_TRANSLATE_NOOP("Problem", "This payment can no longer be changed."),
    "NOT_PENDING": QT_TRANSLATE_NOOP("Problem", "This payment is no longer awaiting approval."),
    "ALREADY_APPROVED": QT_TRANSLATE_NOOP("Problem", "You already approved this payment."),
    "CONTENT_CHANGED": QT_TRANSLATE_NOOP("Problem", "The payee's or account's bank details changed after the payment "
                                                    "was submitted; its maker must save and submit it again."),
    "SOD_VIOLATION": QT_TRANSLATE_NOOP("Problem", "Refused: you made this payment, so you cannot approve or reject "
                                                  "it (separation of duties)."),
    "PASSWORD_REQUIRED": QT_TRANSLATE_NOOP("Problem", "Approving this amount needs your password again."),
    "COMMENT_REQUIRED": QT_TRANSLATE_NOOP("Problem", "A rejection needs a comment for the maker."),
    "ILLEGAL_TRANSITION": QT_TRANSLATE_NOOP("Problem", "This step is not possible in the payment's current status."),
    # USB-key signing
    "PIN_INCORRECT": QT_TRANSLATE_NOOP("Problem", "Wrong PIN for the USB key; nothing was signed."),
    "PIN_LOCKED": QT_TRANSLATE_NOOP("Problem", "The USB key's PIN is locked after too many wrong PINs: ask the "
                                               "administrator to unlock it."),
    "PIN_EXPIRED": QT_TRANSLATE_NOOP("Problem", "The USB key's PIN must be changed first (use the key vendor's "
                                                "tool)."),
    "TOKEN_NOT_PRESENT": QT_TRANSLATE_NOOP("Problem", "The USB key is not plugged in (or was removed): insert it and "
                                                      "try again."),
    "TOKEN_AMBIGUOUS": QT_TRANSLATE_NOOP("Problem", "Several USB keys are plugged in: leave only yours."),
    "TOKEN_BUSY": QT_TRANSLATE_NOOP("Problem", "The USB key is busy; try again in a moment."),
    "PKCS11_MODULE": QT_TRANSLATE_NOOP("Problem", "The USB key's driver (PKCS#11 module) is not installed."),
    "SIGNING_KEY_MISSING": QT_TRANSLATE_NOOP("Problem", "No signing key is set up for you: an administrator must "
                                                        "enrol your USB key first."),
    "BATCH_CHANGED": QT_TRANSLATE_NOOP("Problem", "This batch changed since it was listed (payments signed, "
                                                  "cancelled or edited); look at the refreshed list and sign again."),
    "SIGNATURE_INVALID": QT_TRANSLATE_NOOP("Problem", "The USB key returned a signature that does not verify; "
                                                      "nothing was stored."),
    "NOT_APPROVED": QT_TRANSLATE_NOOP("Problem", "These payments are not approved and waiting for a signature."),
    "POLICY": QT_TRANSLATE_NOOP("Problem", "This approval policy value is not valid."),
    "ACCOUNT_LOCKED": QT_TRANSLATE_NOOP("Problem", "This user is locked after too many wrong passwords."),
}


def _translated_code_text(code: str | None) -> str | None:
    source = CODE_TEXTS.get(code or "")
    if source is None:
        return None
    text = translate("Problem", source)
    return text if text != source else None


def describe(problem: Problem) -> str:
    """The text shown under a form field for one problem."""
    text = _translated_code_text(problem.code)
    return text if text is not None else problem.message


def describe_error(exc: BaseException) -> str:
    code = getattr(exc, "code", None)
    text = _translated_code_text(code) if isinstance(code, str) else None
    if text is not None and not getattr(exc, "problems", None):
        return text
    if isinstance(exc, BankDirectError):
        return getattr(exc, "message", None) or str(exc)
    return str(exc)
