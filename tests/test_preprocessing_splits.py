"""Subject-wise splits: no subject on two sides, every subject tested exactly once."""

import numpy as np
import pytest

from imuhar.core import InvalidParameterError, SplitLeakageError
from imuhar.preprocessing import (
    carve_validation,
    check_subjects_disjoint,
    grouped_kfold,
    leave_one_subject_out,
    split_subjects,
)

SUBJECTS = np.repeat([f"s{i:02d}" for i in range(10)], [5, 8, 3, 12, 7, 7, 9, 4, 6, 10])


def test_split_subjects_by_declared_lists():
    sp = split_subjects(SUBJECTS, test_subjects=["s01", "s05"], val_subjects=["s09"])
    assert sp.test_subjects == ("s01", "s05") and sp.val_subjects == ("s09",)
    assert set(sp.train_subjects) == set(np.unique(SUBJECTS)) - {"s01", "s05", "s09"}
    assert len(sp.train) + len(sp.val) + len(sp.test) == len(SUBJECTS)
    assert set(SUBJECTS[sp.test]) == {"s01", "s05"} and not set(SUBJECTS[sp.train]) & {"s01", "s05", "s09"}
    with pytest.raises(SplitLeakageError, match=r"\['s05'\].*val and test"):
        split_subjects(SUBJECTS, test_subjects=["s05"], val_subjects=["s05"])
    with pytest.raises(SplitLeakageError):
        split_subjects(SUBJECTS, test_subjects=["s05"], train_subjects=["s04", "s05"])
    with pytest.raises(InvalidParameterError, match="id format"):
        split_subjects(SUBJECTS, test_subjects=["5"])
    with pytest.raises(InvalidParameterError, match="list of subject ids"):
        split_subjects(SUBJECTS, test_subjects="s05")


def test_split_take_windows():
    from imuhar.core import LabelVocabulary, Windows

    w = Windows(x=np.zeros((len(SUBJECTS), 1, 6, 4), np.float32), node_mask=np.ones((len(SUBJECTS), 1), bool),
                labels=np.zeros(len(SUBJECTS), int), subjects=SUBJECTS, rate_hz=50, nodes=("pelvis",),
                vocabulary=LabelVocabulary.from_names(["a"]))
    tr, va, te = split_subjects(w, test_subjects=["s03"]).take(w)
    assert set(te.subjects) == {"s03"} and va.n_windows == 0 and tr.n_windows == len(SUBJECTS) - 12


def test_leave_one_subject_out_tests_each_subject_once():
    folds = list(leave_one_subject_out(SUBJECTS))
    assert [f.test_subjects for f in folds] == [(s,) for s in sorted(set(SUBJECTS))]
    for f in folds:
        assert not set(SUBJECTS[f.train]) & set(SUBJECTS[f.test])
        assert len(f.train) + len(f.test) == len(SUBJECTS)
    assert np.array_equal(np.sort(np.concatenate([f.test for f in folds])), np.arange(len(SUBJECTS)))


def test_grouped_kfold_partitions_subjects_and_balances_windows():
    folds = grouped_kfold(SUBJECTS, n_splits=3, random_state=0)
    tested = [s for f in folds for s in f.test_subjects]
    assert sorted(tested) == sorted(set(SUBJECTS))  # each subject tested exactly once
    for f in folds:
        check_subjects_disjoint(train=f.train_subjects, test=f.test_subjects)
        assert set(SUBJECTS[f.test]) == set(f.test_subjects)
    sizes = [len(f.test) for f in folds]
    assert max(sizes) - min(sizes) <= 12  # greedy balancing: within one subject's worth of windows
    again = grouped_kfold(SUBJECTS, n_splits=3, random_state=0)
    assert [f.test_subjects for f in again] == [f.test_subjects for f in folds]
    with pytest.raises(InvalidParameterError):
        grouped_kfold(SUBJECTS, n_splits=11)


def test_carve_validation_is_seeded_and_disjoint():
    train = [f"s{i:02d}" for i in range(10)]
    tr, va = carve_validation(train, fraction=0.2, random_state=1)
    assert len(va) == 2 and len(tr) == 8 and not set(tr) & set(va) and set(tr) | set(va) == set(train)
    assert carve_validation(train, fraction=0.2, random_state=1) == (tr, va)
    assert len(carve_validation(train, n=3)[1]) == 3
    with pytest.raises(InvalidParameterError):
        carve_validation(train, n=10)
    with pytest.raises(InvalidParameterError):
        carve_validation(train)
