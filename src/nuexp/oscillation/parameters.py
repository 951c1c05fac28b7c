"""Validated oscillation parameter sets (3ν and 3+1) and named, cited presets.

Mixing angles are stored as sin²θ, phases in radians, mass-squared differences as plain
floats in eV² (the customary unit of every table that quotes them).  The mass ordering
follows from the sign of ``dm2_31``.  A set is 3+1 (four flavours e, μ, τ, s) as soon as
``dm2_41`` is given.

Examples
--------
>>> from nuexp.oscillation import OscillationParameters
>>> p = OscillationParameters.preset("nufit-5.2-no")
>>> p.n_flavours, p.ordering
(3, 'normal')
>>> round(p.dm2_32, 7)
0.0024329
>>> q = p.replace(delta_cp_deg=270.0)
>>> round(q.delta_cp_deg, 6)
270.0
>>> s = p.replace(sin2_theta14=0.02, sin2_theta24=0.01, dm2_41=1.3)
>>> s.n_flavours
4
"""

from __future__ import annotations

import math
from typing import Any

from ..exceptions import UnknownName, UnphysicalParameter

__all__ = ["OscillationParameters", "PRESETS", "PRESET_SOURCES"]

_ANGLE_NAMES = ("12", "13", "23", "14", "24", "34")
_STERILE_FIELDS = ("sin2_theta14", "sin2_theta24", "sin2_theta34", "delta_14", "delta_24")
_FIELDS = (
    "sin2_theta12", "sin2_theta13", "sin2_theta23", "delta_cp", "dm2_21", "dm2_31",
    "alpha_21", "alpha_31",
    "sin2_theta14", "sin2_theta24", "sin2_theta34", "delta_14", "delta_24", "dm2_41",
)


def _finite(name: str, value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError) as err:
        raise UnphysicalParameter(f"{name} must be a real number; got {value!r}") from err
    if not math.isfinite(x):
        raise UnphysicalParameter(f"{name} must be finite; got {value!r}")
    return x


def _sin2(name: str, value: Any) -> float:
    x = _finite(name, value)
    if not 0.0 <= x <= 1.0:
        raise UnphysicalParameter(
            f"{name} must be in [0, 1] (mixing angle in [0, pi/2]); got {x!r}")
    return x


def _angle_to_sin2(name: str, value: Any) -> float:
    x = _finite(name, value)
    if not 0.0 <= x <= math.pi / 2:
        raise UnphysicalParameter(f"{name} must be in [0, pi/2] rad; got {x!r}")
    return math.sin(x) ** 2


class OscillationParameters:
    """A validated, immutable set of oscillation parameters.

    Parameters (keyword only)
    -------------------------
    sin2_theta12, sin2_theta13, sin2_theta23 : float
        sin²θ of the three active mixing angles, each in [0, 1].  Alternatively
        ``theta12``, ``theta13``, ``theta23`` in radians, in [0, π/2].
    delta_cp : float
        Dirac CP phase in radians (PDG convention, U_e3 = s13 e^{-iδ}).  Alternatively
        ``delta_cp_deg`` in degrees.
    dm2_21 : float
        Δm²21 in eV², ≥ 0.
    dm2_31 : float
        Δm²31 in eV², non-zero; > 0 is normal ordering, < 0 inverted.  Alternatively
        ``dm2_32`` (then Δm²31 = Δm²32 + Δm²21).
    alpha_21, alpha_31 : float, optional
        Majorana phases in radians (they do not enter oscillations; used by m_ββ).
    sin2_theta14, sin2_theta24, sin2_theta34 : float, optional
        3+1 mixing (or ``theta14``... in radians); default 0 when ``dm2_41`` is given.
    delta_14, delta_24 : float, optional
        3+1 phases in radians (``delta_14_deg``, ``delta_24_deg`` accepted).
    dm2_41 : float, optional
        Δm²41 in eV², > 0.  Giving it makes the set 3+1 (four flavours e, μ, τ, s).
    name : str, optional
        A label (set by :meth:`preset`).

    Raises
    ------
    UnphysicalParameter
        For a value outside its range (the message names the field and the range).
    """

    __slots__ = _FIELDS + ("name",)

    def __init__(self, **kwargs: Any) -> None:
        kw = dict(kwargs)
        name = kw.pop("name", None)
        values: dict[str, float | None] = {}
        # angles: sin² or θ
        for ij in _ANGLE_NAMES:
            s_key, t_key = f"sin2_theta{ij}", f"theta{ij}"
            if s_key in kw and t_key in kw:
                raise UnphysicalParameter(f"give either {s_key} or {t_key}, not both")
            if s_key in kw and kw[s_key] is not None:
                values[s_key] = _sin2(s_key, kw.pop(s_key))
            elif t_key in kw and kw[t_key] is not None:
                values[s_key] = _angle_to_sin2(t_key, kw.pop(t_key))
            else:
                kw.pop(s_key, None)
                kw.pop(t_key, None)
                values[s_key] = None
        # phases: radians or degrees
        for ph in ("delta_cp", "delta_14", "delta_24", "alpha_21", "alpha_31"):
            deg = f"{ph}_deg"
            if ph in kw and deg in kw:
                raise UnphysicalParameter(f"give either {ph} or {deg}, not both")
            if deg in kw and kw[deg] is not None:
                values[ph] = math.radians(_finite(deg, kw.pop(deg)))
            elif ph in kw and kw[ph] is not None:
                values[ph] = _finite(ph, kw.pop(ph))
            else:
                kw.pop(ph, None)
                kw.pop(deg, None)
                values[ph] = None
        # mass splittings
        if "dm2_31" in kw and "dm2_32" in kw:
            raise UnphysicalParameter("give either dm2_31 or dm2_32, not both")
        for key in ("dm2_21", "dm2_31", "dm2_32", "dm2_41"):
            v = kw.pop(key, None)
            values[key] = None if v is None else _finite(key, v)
        if kw:
            raise UnphysicalParameter(
                f"unknown oscillation parameter(s) {sorted(kw)}; allowed: "
                f"{', '.join(_FIELDS)} (and theta_ij, *_deg, dm2_32 aliases)")

        for req in ("sin2_theta12", "sin2_theta13", "sin2_theta23", "dm2_21"):
            if values[req] is None:
                raise UnphysicalParameter(f"{req} is required")
        if values["dm2_31"] is None and values["dm2_32"] is None:
            raise UnphysicalParameter("dm2_31 (or dm2_32) is required")
        dm2_21 = values["dm2_21"]
        if dm2_21 < 0:  # type: ignore[operator]
            raise UnphysicalParameter(f"dm2_21 must be >= 0 eV^2 (m2 > m1); got {dm2_21!r}")
        dm2_31 = values["dm2_31"]
        if dm2_31 is None:
            dm2_31 = values["dm2_32"] + dm2_21  # type: ignore[operator]
        if dm2_31 == 0.0:
            raise UnphysicalParameter("dm2_31 must be non-zero (its sign sets the ordering)")
        sterile_given = [k for k in _STERILE_FIELDS if values.get(k)]
        dm2_41 = values["dm2_41"]
        if dm2_41 is None and sterile_given:
            raise UnphysicalParameter(
                f"{', '.join(sterile_given)} given without dm2_41: a 3+1 set needs dm2_41 > 0")
        if dm2_41 is not None and dm2_41 <= 0:
            raise UnphysicalParameter(f"dm2_41 must be > 0 eV^2; got {dm2_41!r}")

        set_ = object.__setattr__
        set_(self, "name", name)
        for key in ("sin2_theta12", "sin2_theta13", "sin2_theta23"):
            set_(self, key, values[key])
        set_(self, "delta_cp", values["delta_cp"] or 0.0)
        set_(self, "dm2_21", dm2_21)
        set_(self, "dm2_31", dm2_31)
        set_(self, "alpha_21", values["alpha_21"] or 0.0)
        set_(self, "alpha_31", values["alpha_31"] or 0.0)
        set_(self, "dm2_41", dm2_41)
        for key in _STERILE_FIELDS:
            default = None if dm2_41 is None else 0.0
            v = values[key]
            set_(self, key, default if v is None else v)

    # --- immutability, equality ---------------------------------------------------------
    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("OscillationParameters is immutable; use .replace(...)")

    def __reduce__(self):
        # pickling (dask tasks, multiprocessing) goes through the validated constructor
        return (_rebuild, (self.to_dict(), self.name))

    def __copy__(self) -> OscillationParameters:
        return self

    def __deepcopy__(self, memo: dict) -> OscillationParameters:
        return self

    def _key(self) -> tuple:
        return tuple(getattr(self, f) for f in _FIELDS)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OscillationParameters) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items())
        label = f"[{self.name}] " if self.name else ""
        return f"OscillationParameters({label}{items})"

    # --- derived --------------------------------------------------------------------------
    @property
    def n_flavours(self) -> int:
        """3, or 4 for a 3+1 set."""
        return 3 if self.dm2_41 is None else 4

    @property
    def dm2_32(self) -> float:
        """Δm²32 = Δm²31 − Δm²21 in eV²."""
        return self.dm2_31 - self.dm2_21

    @property
    def ordering(self) -> str:
        """``"normal"`` (Δm²31 > 0) or ``"inverted"`` (Δm²31 < 0)."""
        return "normal" if self.dm2_31 > 0 else "inverted"

    @property
    def delta_cp_deg(self) -> float:
        """δCP in degrees."""
        return math.degrees(self.delta_cp)

    @property
    def sin2_2theta13(self) -> float:
        """sin²2θ13 = 4 s13² c13² (the reactor amplitude)."""
        return 4.0 * self.sin2_theta13 * (1.0 - self.sin2_theta13)

    @property
    def sin2_2theta12(self) -> float:
        """sin²2θ12 = 4 s12² c12²."""
        return 4.0 * self.sin2_theta12 * (1.0 - self.sin2_theta12)

    def mass_squared_differences(self) -> tuple[float, ...]:
        """(0, Δm²21, Δm²31[, Δm²41]) in eV², i.e. m_i² − m_1²."""
        base = (0.0, self.dm2_21, self.dm2_31)
        return base if self.dm2_41 is None else base + (self.dm2_41,)

    def to_dict(self) -> dict[str, float]:
        """The parameters as a plain dict (None fields omitted; phases in radians)."""
        return {k: getattr(self, k) for k in _FIELDS if getattr(self, k) is not None}

    def replace(self, **changes: Any) -> OscillationParameters:
        """Return a copy with some fields changed (aliases such as ``delta_cp_deg``,
        ``theta13`` or ``dm2_32`` accepted; ``dm2_41=None`` drops the sterile state)."""
        d: dict[str, Any] = self.to_dict()
        for ij in _ANGLE_NAMES:
            if f"theta{ij}" in changes:
                d.pop(f"sin2_theta{ij}", None)
        for ph in ("delta_cp", "delta_14", "delta_24", "alpha_21", "alpha_31"):
            if f"{ph}_deg" in changes:
                d.pop(ph, None)
        if "dm2_32" in changes:
            d.pop("dm2_31", None)
            if "dm2_21" not in changes:
                changes = {**changes, "dm2_21": self.dm2_21}
        elif "dm2_21" in changes and "dm2_31" not in changes:
            pass  # keep dm2_31 fixed
        if "dm2_41" in changes and changes["dm2_41"] is None:
            for k in _STERILE_FIELDS:
                d.pop(k, None)
            d.pop("dm2_41", None)
            changes = {k: v for k, v in changes.items() if k != "dm2_41"}
        d.update(changes)
        d.setdefault("name", None)
        return OscillationParameters(**d)

    @classmethod
    def preset(cls, name: str) -> OscillationParameters:
        """A named, cited parameter set; see :data:`PRESETS` and :data:`PRESET_SOURCES`.

        Names: ``nufit-5.2-no``, ``nufit-5.2-io``, ``nufit-6.0-no``, ``nufit-6.0-io``,
        ``pdg-2024`` (normal ordering), ``pdg-2024-io``, ``juno-talk``.
        """
        key = name.strip().lower()
        if key not in PRESETS:
            raise UnknownName(
                f"unknown oscillation preset {name!r}; known: {', '.join(sorted(PRESETS))}")
        return cls(name=key, **PRESETS[key])


def _rebuild(values: dict[str, float], name: str | None) -> OscillationParameters:
    """Unpickle helper: rebuild through the validated constructor."""
    return OscillationParameters(name=name, **values)


# --- presets --------------------------------------------------------------------------------
#: Named parameter sets (keyword arguments of :class:`OscillationParameters`).
PRESETS: dict[str, dict[str, float]] = {
    # NuFIT 5.2 (2022), www.nu-fit.org, three-flavour best fit "with SK atmospheric data".
    # NO: Δm²3l = Δm²31; IO: Δm²3l = Δm²32.
    "nufit-5.2-no": dict(sin2_theta12=0.303, sin2_theta13=0.02225, sin2_theta23=0.451,
                         delta_cp_deg=232.0, dm2_21=7.41e-5, dm2_31=2.507e-3),
    "nufit-5.2-io": dict(sin2_theta12=0.303, sin2_theta13=0.02223, sin2_theta23=0.569,
                         delta_cp_deg=276.0, dm2_21=7.41e-5, dm2_32=-2.486e-3),
    # NuFIT 6.0, I. Esteban et al., JHEP 12 (2024) 216, arXiv:2410.05380, Table 1
    # ("IC24 with SK atmospheric data").
    "nufit-6.0-no": dict(sin2_theta12=0.308, sin2_theta13=0.02215, sin2_theta23=0.470,
                         delta_cp_deg=212.0, dm2_21=7.49e-5, dm2_31=2.513e-3),
    "nufit-6.0-io": dict(sin2_theta12=0.308, sin2_theta13=0.02231, sin2_theta23=0.550,
                         delta_cp_deg=274.0, dm2_21=7.49e-5, dm2_32=-2.484e-3),
    # PDG RPP 2024 (S. Navas et al., Phys. Rev. D 110, 030001), neutrino-mixing summary
    # table: sin²θ12 = 0.307, Δm²21 = 7.53e-5, sin²θ13 = 2.19e-2, sin²θ23 = 0.558 (NO) /
    # 0.553 (IO), Δm²32 = 2.455e-3 (NO) / -2.529e-3 (IO), δ = 1.19π.
    "pdg-2024": dict(sin2_theta12=0.307, sin2_theta13=0.0219, sin2_theta23=0.558,
                     delta_cp=1.19 * math.pi, dm2_21=7.53e-5, dm2_32=2.455e-3),
    "pdg-2024-io": dict(sin2_theta12=0.307, sin2_theta13=0.0219, sin2_theta23=0.553,
                        delta_cp=1.19 * math.pi, dm2_21=7.53e-5, dm2_32=-2.529e-3),
    # The talk (seed 004, "Precision measurement of oscillation parameters" slide, JUNO,
    # Chin. Phys. C46 (2022) 123001, Table "Central Value"): Δm²31 = 2.5283e-3,
    # Δm²21 = 7.53e-5, sin²θ12 = 0.307, sin²θ13 = 0.0218.  The table gives no θ23, δ:
    # taken from PDG 2020 (sin²θ23 = 0.547, δ = 1.36π), the same source as the table.
    "juno-talk": dict(sin2_theta12=0.307, sin2_theta13=0.0218, sin2_theta23=0.547,
                      delta_cp=1.36 * math.pi, dm2_21=7.53e-5, dm2_31=2.5283e-3),
}

#: Where each preset comes from.
PRESET_SOURCES: dict[str, str] = {
    "nufit-5.2-no": "NuFIT 5.2 (2022), www.nu-fit.org, NO best fit with SK-atm",
    "nufit-5.2-io": "NuFIT 5.2 (2022), www.nu-fit.org, IO best fit with SK-atm",
    "nufit-6.0-no": "NuFIT 6.0, JHEP 12 (2024) 216, arXiv:2410.05380, Tab. 1, NO with SK-atm",
    "nufit-6.0-io": "NuFIT 6.0, JHEP 12 (2024) 216, arXiv:2410.05380, Tab. 1, IO with SK-atm",
    "pdg-2024": "PDG RPP 2024, Phys. Rev. D 110, 030001, neutrino mixing summary (NO)",
    "pdg-2024-io": "PDG RPP 2024, Phys. Rev. D 110, 030001, neutrino mixing summary (IO)",
    "juno-talk": "W. Wang, CSNS users meeting 2024 (seed 004), JUNO table = "
                 "Chin. Phys. C46 (2022) 123001 central values; theta23, delta from PDG 2020",
}
