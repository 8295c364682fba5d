"""The bank-plugin registry (built-in plugins listed explicitly, third-party ones via entry points)."""
