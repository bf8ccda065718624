"""Unit conversion of accelerometer and gyroscope signals, including raw ADC codes, into SI units."""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from ..core import InvalidParameterError, InvalidSignalError, Recording, UnknownUnitError

__all__ = ["STANDARD_GRAVITY", "UNITS", "convert_units", "unit_kind", "adc_to_si", "to_si_recording"]

#: Standard gravity in m/s² (CGPM 1901), used to convert ``g`` and ``mg``.
STANDARD_GRAVITY: float = 9.80665

# Canonical unit -> factor to the SI unit of its quantity.
_FACTORS: dict[str, tuple[str, float]] = {
    "m/s^2": ("acc", 1.0),
    "g": ("acc", STANDARD_GRAVITY),
    "mg": ("acc", STANDARD_GRAVITY * 1e-3),
    "rad/s": ("gyro", 1.0),
    "deg/s": ("gyro", math.pi / 180.0),
    "mrad/s": ("gyro", 1e-3),
}

#: Canonical unit names per quantity; the first of each is the SI unit a Recording stores.
UNITS: dict[str, tuple[str, ...]] = {
    "acc": ("m/s^2", "g", "mg"),
    "gyro": ("rad/s", "deg/s", "mrad/s"),
}

_KIND_NAMES = {"acc": "n accelerometer", "gyro": " gyroscope"}

# Spellings seen in dataset documentation, lower-cased and without spaces -> canonical name.
_ALIASES: dict[str, str] = {
    "m/s^2": "m/s^2", "m/s2": "m/s^2", "m/s²": "m/s^2", "ms^-2": "m/s^2", "ms-2": "m/s^2", "mps2": "m/s^2",
    "meterspersecondsquared": "m/s^2",
    "g": "g", "gravity": "g", "g0": "g",
    "mg": "mg", "milli-g": "mg", "millig": "mg", "milli_g": "mg", "milligravity": "mg",
    "rad/s": "rad/s", "rads^-1": "rad/s", "rad/sec": "rad/s", "radianspersecond": "rad/s", "rads-1": "rad/s",
    "deg/s": "deg/s", "dps": "deg/s", "°/s": "deg/s", "deg/sec": "deg/s", "degs^-1": "deg/s", "degrees/s": "deg/s",
    "degreespersecond": "deg/s", "degs-1": "deg/s",
    "mrad/s": "mrad/s",
}


def _canonical_unit(unit: Any) -> str:
    key = "".join(str(unit).split()).lower() if isinstance(unit, str) else None
    if key is None or key not in _ALIASES:
        raise UnknownUnitError(
            f"unknown unit {unit!r}: accelerometer units are {list(UNITS['acc'])}, gyroscope units are "
            f"{list(UNITS['gyro'])} (common spellings such as 'm/s2', 'milli-g', 'dps' are accepted too)"
        )
    return _ALIASES[key]


def unit_kind(unit: str) -> str:
    """``"acc"`` or ``"gyro"``: the quantity a unit measures. Raises :class:`UnknownUnitError` otherwise."""
    return _FACTORS[_canonical_unit(unit)][0]


def convert_units(x: Any, from_unit: str, to_unit: str) -> np.ndarray:
    """Convert a signal between units of one quantity.

    Parameters
    ----------
    x : array_like, any shape
        Signal values in ``from_unit``. NaN (gaps) pass through unchanged.
    from_unit, to_unit : str
        Acceleration: ``"m/s^2"``, ``"g"``, ``"mg"`` (milli-g). Angular rate: ``"rad/s"``, ``"deg/s"``,
        ``"mrad/s"``. Common spellings (``"m/s2"``, ``"milli-g"``, ``"dps"``) are accepted.

    Returns
    -------
    ndarray of float64, same shape as ``x``

    Raises
    ------
    UnknownUnitError
        If a unit is unknown, or the two units measure different quantities (``"g"`` to ``"rad/s"``).
    """
    src, dst = _canonical_unit(from_unit), _canonical_unit(to_unit)
    (k_src, f_src), (k_dst, f_dst) = _FACTORS[src], _FACTORS[dst]
    if k_src != k_dst:
        raise UnknownUnitError(
            f"cannot convert {from_unit!r} ({k_src}) to {to_unit!r} ({k_dst}): both units must measure the same "
            f"quantity; {k_src} units are {list(UNITS[k_src])}"
        )
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidSignalError(f"convert_units needs numeric values; conversion failed: {exc}") from None
    return arr * (f_src / f_dst) if f_src != f_dst else arr.copy()


def adc_to_si(
    codes: Any,
    bits: int | None = None,
    code_range: tuple[float, float] | None = None,
    value_range: tuple[float, float] = (-1.5, 1.5),
    unit: str = "g",
) -> np.ndarray:
    """Map raw ADC codes linearly onto a physical range and convert to SI units.

    ``code_range[0]`` maps to ``value_range[0]`` and ``code_range[1]`` to ``value_range[1]``; e.g. WHARF's
    6-bit accelerometer: ``adc_to_si(codes, bits=6, value_range=(-1.5, 1.5), unit="g")`` maps 0..63 onto
    -1.5 g..+1.5 g and returns m/s².

    Parameters
    ----------
    codes : array_like of int or float, any shape
        Raw converter output.
    bits : int, optional
        Converter resolution; sets ``code_range = (0, 2**bits - 1)``. Give ``bits`` or ``code_range``, not both.
    code_range : (float, float), optional
        Lowest and highest code.
    value_range : (float, float)
        Physical values of the lowest and highest code, in ``unit``.
    unit : str
        Unit of ``value_range`` (any unit :func:`convert_units` knows).

    Returns
    -------
    ndarray of float64, same shape as ``codes``
        Values in the SI unit of the quantity (m/s² or rad/s).

    Raises
    ------
    InvalidParameterError
        If neither or both of ``bits`` / ``code_range`` are given, or a range is empty.
    InvalidSignalError
        If a code is NaN/inf or lies outside ``code_range``.
    """
    if (bits is None) == (code_range is None):
        raise InvalidParameterError(
            f"adc_to_si needs exactly one of bits= (e.g. 6 for codes 0..63) or code_range=(lo, hi); received "
            f"bits={bits!r}, code_range={code_range!r}"
        )
    if bits is not None:
        if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or not 1 <= bits <= 32:
            raise InvalidParameterError(f"bits must be an integer in [1, 32]; received {bits!r}")
        lo_c, hi_c = 0.0, float(2 ** int(bits) - 1)
    else:
        lo_c, hi_c = (float(v) for v in code_range)  # type: ignore[union-attr]
    lo_v, hi_v = (float(v) for v in value_range)
    if not (np.isfinite([lo_c, hi_c, lo_v, hi_v]).all() and hi_c > lo_c and hi_v != lo_v):
        raise InvalidParameterError(
            f"code_range must satisfy lo < hi and value_range must be non-empty; received code_range="
            f"{(lo_c, hi_c)}, value_range={(lo_v, hi_v)}"
        )
    try:
        c = np.asarray(codes, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidSignalError(f"ADC codes must be numeric; conversion failed: {exc}") from None
    if not np.isfinite(c).all():
        raise InvalidSignalError("ADC codes hold NaN/inf; raw converter output is always finite, check the parser")
    outside = (c < lo_c) | (c > hi_c)
    if outside.any():
        raise InvalidSignalError(
            f"{int(outside.sum())} ADC code(s) lie outside code_range [{lo_c:g}, {hi_c:g}] (e.g. {c[outside][0]:g}); "
            f"pass the converter's true bits= or code_range="
        )
    values = lo_v + (c - lo_c) * ((hi_v - lo_v) / (hi_c - lo_c))
    si = UNITS[unit_kind(unit)][0]
    return convert_units(values, unit, si)


def _to_si(signals: Mapping[str, Any] | None, unit: str, adc: Mapping[str, Any] | None, kind: str) -> dict[str, np.ndarray]:
    if unit_kind(unit) != kind:
        raise UnknownUnitError(
            f"{kind}_unit={unit!r} is not a{_KIND_NAMES[kind]} unit; allowed: {list(UNITS[kind])}"
        )
    si = UNITS[kind][0]
    out = {}
    for name, values in (signals or {}).items():
        if adc is not None:
            adc_params = dict(adc)
            if unit_kind(adc_params.get("unit", "g" if kind == "acc" else "deg/s")) != kind:
                raise UnknownUnitError(
                    f"{kind}_adc unit {adc_params.get('unit')!r} is not a{_KIND_NAMES[kind]} unit; allowed: "
                    f"{list(UNITS[kind])}"
                )
            out[name] = adc_to_si(values, **adc_params)
        else:
            out[name] = convert_units(values, unit, si)
    return out


def to_si_recording(
    acc: Mapping[str, Any] | None,
    gyro: Mapping[str, Any] | None = None,
    *,
    sample_rate_hz: float,
    acc_unit: str = "m/s^2",
    gyro_unit: str = "rad/s",
    acc_adc: Mapping[str, Any] | None = None,
    gyro_adc: Mapping[str, Any] | None = None,
    **recording_fields: Any,
) -> Recording:
    """Build a :class:`~imuhar.core.Recording` from signals in the units a dataset ships them in.

    Parameters
    ----------
    acc, gyro : mapping of placement to array, shape (n_samples, 3)
        Signals in ``acc_unit`` / ``gyro_unit`` (or raw ADC codes when ``acc_adc`` / ``gyro_adc`` is given).
    sample_rate_hz : float
    acc_unit, gyro_unit : str
        Units of the signals as shipped.
    acc_adc, gyro_adc : mapping, optional
        Keyword arguments of :func:`adc_to_si` (``bits`` or ``code_range``, ``value_range``, ``unit``) for raw
        codes; they replace ``acc_unit`` / ``gyro_unit``.
    **recording_fields
        ``labels``, ``vocabulary``, ``subject``, ``recording_id``, ``metadata``.

    Returns
    -------
    Recording
        In m/s² and rad/s, with a ``"to_si"`` provenance step recording the source units.
    """
    acc_si = _to_si(acc, acc_unit, acc_adc, "acc")
    gyro_si = _to_si(gyro, gyro_unit, gyro_adc, "gyro")
    params: dict[str, Any] = {
        "acc_unit": "adc" if acc_adc is not None else _canonical_unit(acc_unit),
        "gyro_unit": "adc" if gyro_adc is not None else _canonical_unit(gyro_unit),
    }
    if acc_adc is not None:
        params["acc_adc"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in acc_adc.items()}
    if gyro_adc is not None:
        params["gyro_adc"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in gyro_adc.items()}
    meta = dict(recording_fields.pop("metadata", {}) or {})
    meta["provenance"] = [*meta.get("provenance", []), {"step": "to_si", **params}]
    return Recording(acc=acc_si, gyro=gyro_si, sample_rate_hz=sample_rate_hz, metadata=meta, **recording_fields)
