"""Structured logs: a context's fields and a call's own fields both reach the record."""

from __future__ import annotations

import json
import logging

import pytest

from calipso.log import ContextLogger, JsonFormatter


def test_context_and_call_fields_are_both_kept(caplog: pytest.LogCaptureFixture) -> None:
    log = ContextLogger(logging.getLogger("calipso.test"), {"env": "e1", "scan_id": "s1"})
    with caplog.at_level(logging.INFO, logger="calipso.test"):
        log.info("scan phase", extra={"phase": "links"})
    record = caplog.records[-1]
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "scan phase"
    assert (line["env"], line["scan_id"], line["phase"]) == ("e1", "s1", "links")
