"""Monitoring: check results (Sensu or Calipso's own checks) applied as object and link
status; see README.md."""
