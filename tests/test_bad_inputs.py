"""The bad-input corpus (tests/bad_inputs/): every malformed model stops with a clear ModelError.

Each case is the valid base model with one flaw. Run through the workflow's `prepare_inputs`
rule script, it must raise a `ModelError` (no other exception, no traceback in the message)
whose text holds the case's words and names the file at fault, every problem naming a file,
and it must leave no output behind. Adding a case is adding a file to tests/bad_inputs/cases/.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from esmflow.errors import ModelError
from tests.bad_inputs.corpus import BASE, Case, all_cases, materialise, run_prepare_inputs

CASES = all_cases()


def test_the_corpus_is_large_and_each_case_distinct() -> None:
    assert len(CASES) >= 60
    patches = [(c.set, c.delete, c.replace, c.files, c.overrides) for c in CASES]
    assert all(patches.count(patch) == 1 for patch in patches)


def test_the_base_model_is_valid_and_quiet(tmp_path: Path) -> None:
    output = tmp_path / "out" / "inputs.nc"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run_prepare_inputs(BASE / "model.yaml", output, tmp_path / "log" / "prepare.log")
    assert output.is_file()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_is_a_clear_model_error(case: Case, tmp_path: Path) -> None:
    model_file = materialise(case, tmp_path / "model")
    output = tmp_path / "out" / "inputs.nc"
    with pytest.raises(ModelError) as caught:
        run_prepare_inputs(model_file, output, tmp_path / "log" / "prepare.log", case.overrides)
    message = str(caught.value)
    assert "Traceback" not in message and 'File "' not in message
    missing = [word for word in case.expect if word.lower() not in message.lower()]
    assert not missing, f"{case.description}: {missing} not in\n{message}"
    assert case.file in message, f"{case.description}: the message does not name {case.file}"
    assert all(problem.file for problem in caught.value.problems), message
    assert not output.exists()
    left = sorted(path.name for path in output.parent.iterdir())
    assert left == ["diagnosis.txt"], f"a partial output was left behind: {left}"
    diagnosis = (output.parent / "diagnosis.txt").read_text()
    assert caught.value.problems[0].message in diagnosis  # the explanation stays for the user
