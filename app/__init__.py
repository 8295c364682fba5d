"""BankDirect (银企直联) application core."""

__version__ = "0.1.0"
