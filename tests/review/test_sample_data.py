"""The sample responses are made by a committed script with a fixed seed."""

from __future__ import annotations

import importlib.util

from tests.conftest import SAMPLE


def test_sample_files_are_reproducible(tmp_path):
    spec = importlib.util.spec_from_file_location("make_sample", SAMPLE / "make_sample.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for made in mod.write_all(tmp_path):
        assert made.read_bytes() == (SAMPLE / made.name).read_bytes()
