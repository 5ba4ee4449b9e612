"""Warnings of dependencies that Calipso silences, each exactly, before anything imports them.

asyncssh still names cryptography's DSA classes (for DSA keys, which Calipso never
offers), and recent cryptography releases answer that import with
``CryptographyDeprecationWarning: DSA is deprecated``: five lines of noise on stderr before
every command. ``calipso/__init__.py`` calls ``silence_dependency_warnings()``, so the
filter is in place before any Calipso module imports asyncssh. Only that category, that
message, raised from asyncssh's own modules.
"""

from __future__ import annotations

import warnings

from cryptography.utils import CryptographyDeprecationWarning


def silence_dependency_warnings() -> None:
    warnings.filterwarnings("ignore", message="DSA is deprecated",
                            category=CryptographyDeprecationWarning, module=r"asyncssh(\.|$)")
