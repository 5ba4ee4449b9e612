"""The check programs run on hosts (see README.md); each file stands alone."""
