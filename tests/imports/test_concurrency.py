"""Two imports at once: they take turns, and the history is written once."""

import threading

import pytest

from imports.errors import HistoryImportError
from imports.services import history
from imports.services.history import history_import
from tests.concurrency import race

from .history import FIGURES, write_history
from .test_history import delivered_figures

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("questionnaires"),
]


def test_two_imports_of_the_same_history_at_once_write_it_once(tmp_path):
    directory = write_history(tmp_path)

    outcomes = race([lambda: history_import(directory=directory)] * 2)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(plan.nothing_new() for plan in outcomes) == [False, True]
    assert delivered_figures() == FIGURES


@pytest.mark.postgres
def test_without_the_lock_the_second_import_fails_and_writes_nothing(tmp_path, monkeypatch):
    """The race the lock prevents: both check an empty database, then both write."""
    directory = write_history(tmp_path)
    both_checked = threading.Barrier(2, timeout=30)
    check = history.history_check

    def check_then_wait(**kwargs):
        plan = check(**kwargs)
        both_checked.wait()
        return plan

    monkeypatch.setattr(history, "_imports_lock", lambda: None)
    monkeypatch.setattr(history, "history_check", check_then_wait)

    outcomes = race([lambda: history_import(directory=directory)] * 2)

    failed = [o for o in outcomes if isinstance(o, Exception)]
    assert len(failed) == 1, outcomes
    assert isinstance(failed[0], HistoryImportError)
    assert "nothing was imported" in str(failed[0])
    assert delivered_figures() == FIGURES
