"""The data layer: every query and write the app makes. Pages and the CLI call these, never SQL.

Functions are keyword-only, take a `Session` (or an `Engine` for bulk paths), and return models or DataFrames.
One module per area: setup, conversations, review, loop, analytics, indicators' queries…
"""
