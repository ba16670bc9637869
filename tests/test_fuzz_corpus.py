"""Replay the fuzz regression corpus (tests/fuzz_corpus/<target>/: inputs that once broke a
target's contract, minimized, and hand-made tricky ones) through the fuzz targets' own
check functions, without atheris; and check that every target's seeds pass."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))  # after the installed zarrlite: only `fuzz` is wanted here

from fuzz.targets import TARGETS  # noqa: E402  (after the path is set)

CORPUS = Path(__file__).resolve().parent / "fuzz_corpus"
CASES = sorted(path for path in CORPUS.glob("*/*") if path.is_file())


def test_every_corpus_folder_names_a_target():
    assert {path.parent.name for path in CASES} <= set(TARGETS)


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_corpus_input_keeps_the_contract(path):
    TARGETS[path.parent.name].check(path.read_bytes())


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_seeds_keep_the_contract(name):
    seeds = list(TARGETS[name].seeds())
    assert seeds or name == "blosc2_chunk"  # blosc2_chunk seeds need python-blosc2
    for seed in seeds:
        TARGETS[name].check(seed)
