"""Emit: lockfiles (pyodide-lock.json, PEP 751 pylock.toml) and the freeze report."""
