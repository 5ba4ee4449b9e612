"""Compare what Calipso found with the simulator's truth, object by object, field by field.

Shared by the fetcher tests and the whole-scan tests (test modules import it by name:
pytest puts this directory, the top conftest's, on the import path).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Doc = dict[str, Any]


def matches(want: Any, got: Any) -> bool:
    """``got`` holds every key of ``want``, recursively; lists compare as multisets."""
    if isinstance(want, dict):
        return isinstance(got, dict) and all(
            k in got and matches(v, got[k]) for k, v in want.items())
    if isinstance(want, list):
        if not isinstance(got, list) or len(want) != len(got):
            return False
        rest = list(got)
        for item in want:
            hit = next((i for i, g in enumerate(rest) if matches(item, g)), None)
            if hit is None:
                return False
            rest.pop(hit)
        return True
    return bool(want == got)


def differences(truth: list[Doc], found: Iterable[Doc], types: str | Iterable[str] | None = None,
                ignore: tuple[str, ...] = ()) -> list[str]:
    """One line per missing, extra or differing object (field by field) of ``types``
    (one type, several, or every type of the truth)."""
    found = list(found)
    if types is None:
        wanted = sorted({d["type"] for d in truth} | {d["type"] for d in found})
    else:
        wanted = [types] if isinstance(types, str) else list(types)
    out: list[str] = []
    for type_ in wanted:
        want = {d["id"]: d for d in truth if d["type"] == type_}
        got = {d["id"]: d for d in found if d["type"] == type_}
        out += [f"{type_} {i}: missing" for i in want.keys() - got.keys()]
        out += [f"{type_} {i}: not in the truth" for i in got.keys() - want.keys()]
        for ident in want.keys() & got.keys():
            for key, value in want[ident].items():
                if key in ignore:
                    continue
                if key not in got[ident]:
                    out.append(f"{type_} {ident}: no {key}")
                elif not matches(value, got[ident][key]):
                    out.append(f"{type_} {ident}: {key} = {got[ident][key]!r}, truth {value!r}")
    return sorted(out)
