"""Plugin classes named in the metadata files, resolved by the seed's rule.

A class ``CliFetchHostPnics`` lives in the module ``cli_fetch_host_pnics`` (snake_case of
its name) of the package the file names. A missing module or class is a ``LookupError``
whose text names what was looked for; the metadata loaders turn it into one line of
their ``MetadataError``.
"""

from __future__ import annotations

import importlib
import inspect
import re

from pydantic import ValidationError


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def import_class(module_name: str, class_name: str, package: str) -> type:
    """``class_name`` from ``module_name``; a module that does not exist is 'no X in P'."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name and module_name.startswith(err.name):
            raise LookupError(f"no {class_name} in {package}") from None
        raise
    cls = getattr(module, class_name, None)
    if not inspect.isclass(cls):
        raise LookupError(f"no {class_name} in {module_name}")
    return cls


def validation_problems(err: ValidationError, source: str) -> list[str]:
    """One ``<file>: <field path>: <message>`` line per problem pydantic found."""
    return [f"{source}: {'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}"
            for e in err.errors()]
