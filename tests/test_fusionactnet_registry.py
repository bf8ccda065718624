"""The methods registry and the Method base: light import, typed errors, conformance over every entry."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import imuhar.methods as methods
from imuhar.core import InvalidParameterError, NotFittedError, SplitLeakageError
from imuhar.methods import Method, carve_validation_subjects, check_disjoint_subjects, list_methods
from imuhar.testing import make_windows


def test_public_names_exist():
    for name in methods.__all__:
        assert hasattr(methods, name), name


def test_importing_methods_does_not_import_torch():
    code = "import sys, imuhar.methods as m; m.list_methods(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_registry_lists_and_rejects():
    assert "fusionactnet" in list_methods()
    assert "fusionactnet" in list_methods(tag="supervised")
    assert list_methods(tag="no-such-tag") == []
    with pytest.raises(InvalidParameterError, match="fusionactnet"):
        methods.get_method("no-such-method")
    with pytest.raises(InvalidParameterError):
        methods.register_method("x", "not-a-target")
    with pytest.raises(InvalidParameterError, match="already registered"):
        methods.register_method("fusionactnet", "somewhere.else:Other")


def test_base_method_refuses_unimplemented_and_unfitted():
    m = Method()
    w = make_windows(n_windows=4)
    with pytest.raises(NotImplementedError):
        m.fit(w)
    with pytest.raises(NotFittedError):
        m.check_held_out(w)


def test_carve_validation_subjects_is_by_subject_and_seeded():
    w = make_windows(n_windows=60, n_subjects=10)
    fit_a, val_a = carve_validation_subjects(w, fraction=0.2, seed=3)
    fit_b, val_b = carve_validation_subjects(w, fraction=0.2, seed=3)
    np.testing.assert_array_equal(val_a, val_b)
    assert len(np.unique(w.subjects[val_a])) == 2
    assert not set(w.subjects[fit_a]) & set(w.subjects[val_a])
    with pytest.raises(SplitLeakageError):
        carve_validation_subjects(w, subjects=["s1", "elsewhere"])
    with pytest.raises(InvalidParameterError):
        carve_validation_subjects(w, fraction=1.0)
    with pytest.raises(InvalidParameterError):
        carve_validation_subjects(make_windows(n_windows=8, n_subjects=1))
    with pytest.raises(SplitLeakageError, match="s2"):
        check_disjoint_subjects(["s1", "s2"], w[w.subjects == "s2"], what="train and test")


@pytest.mark.parametrize("name", list_methods())
def test_every_registered_method_conforms(name):
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny convolutions: one thread is fastest on a shared machine
    try:
        _conforms(name)
    finally:
        torch.set_num_threads(threads)


def _conforms(name):
    cls = methods.get_method_class(name)
    assert issubclass(cls, Method) and cls.name == name
    w = make_windows(n_windows=48, n_samples=64, n_classes=3, n_subjects=6)
    model = cls(**cls._test_params()).fit(w, verbose=False)
    p = model.predict_proba(w)
    assert p.shape == (48, 3)
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-6)
    assert model.predict(w).shape == (48,)
    assert model.embed(w).shape[0] == 48
