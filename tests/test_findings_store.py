"""latent_fragments.findings_store: what a chapter records beside its run, and loading it back."""
from __future__ import annotations

import json

import numpy as np
import pytest

from latent_fragments.findings_store import FINDINGS_DIR, load_findings, plain, record_findings


def test_plain_turns_numpy_into_json_values():
    value = {"a": np.float32(0.5), "b": np.arange(3), "c": (np.int64(2), np.bool_(True)), "d": float("nan"),
             1: None, "e": "text"}
    assert plain(value) == {"a": 0.5, "b": [0, 1, 2], "c": [2, True], "d": None, "1": None, "e": "text"}
    assert isinstance(plain(np.bool_(False)), bool) and isinstance(plain(np.int32(3)), int)


def test_plain_rejects_what_json_cannot_hold():
    with pytest.raises(TypeError, match="cannot record a object"):
        plain({"x": object()})


def test_record_and_load_round_trip(tmp_path):
    path = record_findings(tmp_path, "ch2", {"claims": {"k": {"verdict": "holds"}}, "share": np.float64(0.25)})
    assert path == tmp_path / FINDINGS_DIR / "ch2.json"
    record_findings(tmp_path, "ch2", {"share": 0.5})  # replaces the earlier record
    record_findings(tmp_path, "ch1", {"n": 3})
    assert load_findings(tmp_path) == {"ch1": {"n": 3}, "ch2": {"share": 0.5}}


def test_chapter_key_must_be_an_identifier(tmp_path):
    with pytest.raises(ValueError, match="identifier"):
        record_findings(tmp_path, "../ch2", {})


def test_load_of_a_run_without_records_is_empty(tmp_path):
    assert load_findings(tmp_path) == {}


def test_a_damaged_record_is_named_and_the_others_still_load(tmp_path):
    record_findings(tmp_path, "ch1", {"n": 1})
    (tmp_path / FINDINGS_DIR / "ch3.json").write_text("{not json")
    (tmp_path / FINDINGS_DIR / ".ch4.json.tmp").write_text("partial")
    found = load_findings(tmp_path)
    assert found["ch1"] == {"n": 1} and set(found) == {"ch1", "_errors"}
    assert found["_errors"]["ch3"].startswith("ch3.json: ")
    assert json.loads((tmp_path / FINDINGS_DIR / "ch1.json").read_text()) == {"n": 1}
