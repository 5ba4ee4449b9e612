"""The web UI: the built front end served at ``/``, the data endpoints it needs beyond the
API (children by parent, the environment overview, environment summaries) and its live
updates (Server-Sent Events fed by the database's change stream or by polling)."""
