"""Bank dialects: one package per ``<bank>_<protocol>``, each with a manifest and a Qt-free core."""
