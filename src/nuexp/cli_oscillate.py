"""The work behind ``nuexp oscillate`` (the typer signature lives in ``nuexp.cli``).

Part of the command-line layer: it calls :mod:`nuexp.oscillation` for the physics and
:mod:`nuexp.report` for the figure.

Parses the command-line spellings (energies, ``MIN:MAX:N`` ranges, ``LEN_KM:RHO:YE`` layers,
``KEY=VALUE`` parameters) into the Python API and returns plain, JSON-ready results.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from hepunits import GeV, MeV, km

from .exceptions import InvalidConfiguration
from .oscillation.engine import FLAVOURS, flavour_index, probability
from .oscillation.matter import ConstantDensity, LayeredProfile, prem_profile
from .oscillation.parameters import OscillationParameters
from .validation import require_memory, require_non_negative, require_positive

__all__ = ["parse_energies", "parse_layers", "parse_params", "run_oscillate", "PARAM_KEYS"]

#: Keys accepted by ``--param KEY=VALUE`` (Δm² in eV², phases in degrees if *_deg).
PARAM_KEYS = ("sin2_theta12", "sin2_theta13", "sin2_theta23", "delta_cp_deg", "delta_cp",
              "dm2_21", "dm2_31", "dm2_32", "sin2_theta14", "sin2_theta24", "sin2_theta34",
              "delta_14_deg", "delta_24_deg", "dm2_41")


def _float(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError as err:
        raise InvalidConfiguration(f"{what}: {text!r} is not a number") from err


def parse_energies(values: Sequence[float] | None, energy_range: str | None) -> np.ndarray:
    """Energies in MeV from explicit values and/or ``MIN:MAX:N`` (linear spacing)."""
    energies = [float(v) for v in (values or [])]
    if energy_range:
        parts = energy_range.split(":")
        if len(parts) != 3:
            raise InvalidConfiguration(
                f"--energy-range must be MIN:MAX:N (MeV); got {energy_range!r}")
        lo, hi = _float(parts[0], "--energy-range MIN"), _float(parts[1], "--energy-range MAX")
        n = int(_float(parts[2], "--energy-range N"))
        if n < 1 or not (0 < lo <= hi):
            raise InvalidConfiguration(
                f"--energy-range needs 0 < MIN <= MAX and N >= 1; got {energy_range!r}")
        # the energies, a Python list of them and the probabilities: ~64 bytes each
        require_memory(64.0 * n, f"--energy-range with N = {n}")
        energies.extend(np.linspace(lo, hi, n).tolist())
    if not energies:
        raise InvalidConfiguration("give energies with --energy-mev E [E ...] or "
                                   "--energy-range MIN:MAX:N (MeV)")
    return np.asarray(energies, dtype=float)


def parse_layers(text: str) -> LayeredProfile:
    """``LEN_KM:RHO:YE,LEN_KM:RHO:YE,...`` → :class:`LayeredProfile`."""
    layers = []
    for k, item in enumerate(text.split(",")):
        parts = item.strip().split(":")
        if len(parts) != 3:
            raise InvalidConfiguration(
                f"--layers item {k} must be LEN_KM:RHO:YE; got {item!r}")
        length, rho, ye = (_float(x, f"--layers item {k}") for x in parts)
        layers.append((length * km, rho, ye))
    return LayeredProfile(layers)


def parse_params(items: Sequence[str]) -> dict[str, float]:
    """``KEY=VALUE`` strings → keyword arguments of :meth:`OscillationParameters.replace`."""
    out: dict[str, float] = {}
    for item in items:
        if "=" not in item:
            raise InvalidConfiguration(f"--param must be KEY=VALUE; got {item!r}")
        key, value = (s.strip() for s in item.split("=", 1))
        if key not in PARAM_KEYS:
            raise InvalidConfiguration(
                f"--param key {key!r} unknown; allowed: {', '.join(PARAM_KEYS)}")
        out[key] = _float(value, f"--param {key}")
    return out


def run_oscillate(flavour_from: str, flavour_to: str, *, baseline_km: float | None,
                  energies_mev: np.ndarray, density: float | None = None, ye: float = 0.5,
                  layers: str | None = None, prem: bool = False, anti: bool = False,
                  preset: str = "nufit-5.2-no", params: dict[str, float] | None = None,
                  plot: Path | None = None, zenith: bool = False) -> dict[str, Any]:
    """Compute P(from → to) for the CLI; returns the JSON record (and writes a plot)."""
    if baseline_km is not None:
        require_non_negative("--baseline-km", baseline_km)
    require_positive("--energy-mev", energies_mev)
    p = OscillationParameters.preset(preset)
    if params:
        p = p.replace(**params)
    a = flavour_index(flavour_from, p.n_flavours)
    b = flavour_index(flavour_to, p.n_flavours)
    matter: ConstantDensity | LayeredProfile | None = None
    matter_desc: dict[str, Any] = {"kind": "vacuum"}
    if sum(x is not None and x is not False for x in (density, layers, prem)) > 1:
        raise InvalidConfiguration("give at most one of --density, --layers, --prem")
    if layers:
        matter = parse_layers(layers)
        total = matter.total_length / km
        if baseline_km is None:
            baseline_km = total
        elif not np.isclose(baseline_km, total, rtol=1e-9):
            raise InvalidConfiguration(
                f"--baseline-km {baseline_km} differs from the total layer length {total} km")
        matter_desc = {"kind": "layers", "layers": [[ln / km, r, y] for ln, r, y in
                                                    matter.layers]}
    if baseline_km is None and not zenith:
        raise InvalidConfiguration("--baseline-km is required (or --layers, or --plot "
                                   "--zenith)")
    if density is not None:
        matter = ConstantDensity(density, ye)
        matter_desc = {"kind": "constant", "density_g_cm3": density, "ye": ye}
    if prem and baseline_km is not None:
        matter = prem_profile(baseline_km * km)
        matter_desc = {"kind": "prem", "n_layers": len(matter.layers)}
    record: dict[str, Any] = {
        "flavour_from": FLAVOURS[a],
        "flavour_to": FLAVOURS[b],
        "antineutrino": bool(anti),
        "baseline_km": baseline_km,
        "matter": matter_desc,
        "preset": preset,
    }
    if baseline_km is not None:
        P = probability(p, a, b, energies_mev * MeV, baseline_km * km, antineutrino=anti,
                        matter=matter)
        record["energy_mev"] = energies_mev.tolist()
        record["probability"] = np.asarray(P, dtype=float).tolist()
    record["parameters"] = p.to_dict()
    if plot is not None:
        from .report.oscillation import (
            plot_probability_vs_l_over_e,
            plot_zenith_oscillogram,
        )
        from .report.plots import save_figure

        if zenith:
            e_grid = np.geomspace(max(energies_mev.min(), 1.0), max(energies_mev.max(), 2.0),
                                  120) * MeV
            if e_grid[-1] / e_grid[0] < 1.5:
                e_grid = np.geomspace(1.0, 100.0, 120) * GeV
            cz = np.linspace(-1.0, -0.02, 80)
            fig = plot_zenith_oscillogram(p, a, b, e_grid, cz, antineutrino=anti)
        else:
            assert baseline_km is not None      # refused above unless --zenith
            fig = plot_probability_vs_l_over_e(p, a, b, energies_mev * MeV,
                                               baseline_km * km, antineutrino=anti,
                                               matter=matter)
        plot = Path(plot)
        name = save_figure(fig, plot.parent if str(plot.parent) else Path("."),
                           plot.stem)
        record["plot"] = str(plot.parent / name)
    return record
