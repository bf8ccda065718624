"""Unit conversion and ADC mapping into SI units."""

import math

import numpy as np
import pytest

from imuhar.core import UnknownUnitError
from imuhar.preprocessing import STANDARD_GRAVITY, adc_to_si, convert_units, to_si_recording, unit_kind


@pytest.mark.parametrize(
    "value, src, dst, expected",
    [
        (1.0, "g", "m/s^2", 9.80665),
        (1000.0, "milli-g", "g", 1.0),
        (9.80665, "m/s2", "mg", 1000.0),
        (180.0, "deg/s", "rad/s", math.pi),
        (1.0, "rad/s", "dps", 180.0 / math.pi),
        (250.0, "mrad/s", "rad/s", 0.25),
    ],
)
def test_convert_units_known_factors(value, src, dst, expected):
    assert convert_units(value, src, dst) == pytest.approx(expected, rel=1e-12)


def test_convert_units_round_trip_keeps_shape_and_nan(rng):
    x = rng.normal(size=(50, 3))
    x[3, 1] = np.nan
    back = convert_units(convert_units(x, "g", "m/s^2"), "m/s^2", "g")
    np.testing.assert_allclose(back, x, equal_nan=True)
    assert back.shape == x.shape


def test_convert_units_refuses_unknown_and_cross_quantity():
    with pytest.raises(UnknownUnitError, match="accelerometer units are"):
        convert_units([1.0], "furlong/fortnight^2", "m/s^2")
    with pytest.raises(UnknownUnitError, match="same quantity"):
        convert_units([1.0], "g", "rad/s")
    assert unit_kind("DPS") == "gyro" and unit_kind("G") == "acc"


def test_adc_to_si_wharf_range():
    # WHARF: 6-bit codes 0..63 span -1.5 g .. +1.5 g linearly.
    codes = np.array([0, 63, 31.5])
    si = adc_to_si(codes, bits=6, value_range=(-1.5, 1.5), unit="g")
    np.testing.assert_allclose(si, [-1.5 * STANDARD_GRAVITY, 1.5 * STANDARD_GRAVITY, 0.0], atol=1e-12)
    same = adc_to_si(codes, code_range=(0, 63), value_range=(-1.5, 1.5), unit="g")
    np.testing.assert_array_equal(si, same)
    gyro = adc_to_si([0, 4095], bits=12, value_range=(-2000, 2000), unit="deg/s")
    np.testing.assert_allclose(gyro, np.deg2rad([-2000, 2000]))


def test_adc_to_si_rejects_out_of_range_codes_and_ambiguous_range():
    from imuhar.core import InvalidParameterError, InvalidSignalError

    with pytest.raises(InvalidSignalError, match="outside code_range"):
        adc_to_si([64], bits=6)
    with pytest.raises(InvalidParameterError, match="exactly one"):
        adc_to_si([1], bits=6, code_range=(0, 63))


def test_to_si_recording_converts_and_records_provenance(rng):
    acc_g = rng.normal(size=(100, 3))
    gyro_dps = rng.normal(size=(100, 3)) * 100
    rec = to_si_recording({"waist": acc_g}, {"waist": gyro_dps}, sample_rate_hz=50, acc_unit="g", gyro_unit="deg/s", subject="3")
    np.testing.assert_allclose(rec.acc["pelvis"], acc_g * STANDARD_GRAVITY)
    np.testing.assert_allclose(rec.gyro["pelvis"], np.deg2rad(gyro_dps))
    assert rec.provenance[-1] == {"step": "to_si", "acc_unit": "g", "gyro_unit": "deg/s"}
    adc = to_si_recording({"right_wrist": np.full((10, 3), 63)}, sample_rate_hz=32, acc_adc={"bits": 6, "value_range": (-1.5, 1.5), "unit": "g"})
    np.testing.assert_allclose(adc.acc["right_wrist"], 1.5 * STANDARD_GRAVITY)
    assert adc.provenance[-1]["acc_adc"]["bits"] == 6
