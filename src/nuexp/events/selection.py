"""The JSNS2 CNgs selection (JSNS2 2025, Table 1 and Sec. V) as event and pair masks.

=====================================  ======================================
cut                                    value (Table 1 / Sec. V)
=====================================  ======================================
prompt energy                          20 ≤ E_p ≤ 40 MeV
prompt timing                          2.0 ≤ ΔT_beam−p ≤ 10 µs
delayed energy                         10 ≤ E_d ≤ 18 MeV
prompt–delayed interval                0.2 ms ≤ ΔT_p−d ≤ 12 ms (2021) / 25 ms (2022)
vertex correlation                     Δ_VTX ≤ 20 cm
fiducial volume (both events)          R < 140 cm, |z| < 100 cm
muon rejection (both events)           top veto < 30 p.e., bottom veto < 40 p.e.
Michel rejection (prompt)              no event with > 100 p.e. in the top or bottom
                                       veto within 10 µs before the prompt
=====================================  ======================================

:class:`SelectionCuts` holds the cuts in hepunits; the stages of the cut flow are listed
in :data:`CUT_STAGES` in the order of Table 1 (the fiducial volume, which Table 1 folds
into the number of targets, is its own row).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from hepunits import MeV, cm, ms, us

from ..exceptions import InvalidConfiguration
from .schema import EventChunk, TriggerType

__all__ = ["SelectionCuts", "CUT_STAGES", "EventMasks", "event_masks", "in_window"]

#: Cut-flow rows, in order (JSNS2 2025, Table 1; FV added as its own row).
CUT_STAGES: tuple[str, ...] = (
    "prompt triggered events",
    "20 <= E_p <= 40 MeV",
    "2 <= dT_beam-p <= 10 us",
    "prompt in fiducial volume",
    "pairs: 10 <= E_d <= 18 MeV, delayed in FV",
    "0.2 ms <= dT_p-d <= window",
    "dVTX <= 20 cm",
    "muon rejection (veto charges)",
    "Michel electron rejection",
)


@dataclass(frozen=True)
class SelectionCuts:
    """Selection of JSNS2 2025 (Table 1, Sec. V, Sec. VI), hepunits.

    Attributes
    ----------
    delayed_window : dict of int to float
        Delayed-trigger window per period (12 ms in 2021, 25 ms in 2022; Sec. II); it is
        also the upper edge of the ΔT_p−d cut.
    """

    delayed_window: dict[int, float] = field(
        default_factory=lambda: {2021: 12.0 * ms, 2022: 25.0 * ms})
    prompt_energy: tuple[float, float] = (20.0 * MeV, 40.0 * MeV)
    prompt_time: tuple[float, float] = (2.0 * us, 10.0 * us)
    delayed_energy: tuple[float, float] = (10.0 * MeV, 18.0 * MeV)
    dt_min: float = 0.2 * ms
    dvtx_max: float = 20.0 * cm
    fv_radius: float = 140.0 * cm
    fv_half_height: float = 100.0 * cm
    veto_top_max: float = 30.0
    veto_bottom_max: float = 40.0
    muon_charge_min: float = 100.0
    michel_lookback: float = 10.0 * us
    #: fake-trigger method (Sec. VI): first fake beam start, step, and normalisation region
    fake_start: float = 1.0 * ms
    fake_step: float = 10.0 * us
    normalisation_dvtx_min: float = 40.0 * cm
    #: spill-shift method (Sec. VI): number of other spills each prompt is combined with
    spill_shifts: int = 100

    def window_of(self, period: np.ndarray, source: str = "events") -> np.ndarray:
        """Delayed window of each row's period; a period without a setting is an error."""
        period = np.asarray(period)
        if period.size and period[0] == period[-1] and period.min() == period.max():
            values = period[:1]              # one period (the usual case): no sort needed
        else:
            values = np.unique(period)
        out = np.empty(period.shape, dtype=np.float64)
        if values.size == 1 and int(values[0]) in self.delayed_window:
            out.fill(self.delayed_window[int(values[0])])
            return out
        for value in values:
            if int(value) not in self.delayed_window:
                raise InvalidConfiguration(
                    f"{source}: period {int(value)} has no delayed-window setting "
                    f"(column 'period'); configured periods: "
                    f"{', '.join(str(p) for p in sorted(self.delayed_window))}")
            out[period == value] = self.delayed_window[int(value)]
        return out


def in_window(values: np.ndarray, window: tuple[float, float]) -> np.ndarray:
    """``low <= values <= high``."""
    return (values >= window[0]) & (values <= window[1])


@dataclass
class EventMasks:
    """Per-row selections of one chunk (see :func:`event_masks`)."""

    window: np.ndarray
    fiducial: np.ndarray
    veto_ok: np.ndarray
    is_muon: np.ndarray
    prompt_readout: np.ndarray
    prompt_energy: np.ndarray
    prompt_time: np.ndarray
    delayed: np.ndarray
    fake_prompt_weight: np.ndarray


def _fake_multiplicity(time: np.ndarray, cuts: SelectionCuts) -> np.ndarray:
    """How many fake beam starts t_k = fake_start + k·fake_step (k ≥ 0) put ``time`` inside
    their prompt-timing window [t_k + 2 µs, t_k + 10 µs] (JSNS2 2025, Sec. VI)."""
    lo, hi = cuts.prompt_time
    u = time - cuts.fake_start
    k_max = np.floor((u - lo) / cuts.fake_step)
    k_min = np.maximum(np.ceil((u - hi) / cuts.fake_step), 0.0)
    return np.maximum(k_max - k_min + 1.0, 0.0)


def event_masks(chunk: EventChunk, cuts: SelectionCuts, source: str = "events") -> EventMasks:
    """Evaluate the event-level cuts of one chunk."""
    window = cuts.window_of(chunk.period, source)
    radius2 = chunk.x**2 + chunk.y**2
    fiducial = (radius2 < cuts.fv_radius**2) & (np.abs(chunk.z) < cuts.fv_half_height)
    veto_ok = (chunk.veto_top < cuts.veto_top_max) & (chunk.veto_bottom < cuts.veto_bottom_max)
    is_muon = (chunk.veto_top > cuts.muon_charge_min) | (chunk.veto_bottom > cuts.muon_charge_min)
    prompt_readout = chunk.trigger == TriggerType.PROMPT
    delayed_type = chunk.trigger == TriggerType.DELAYED
    prompt_energy = in_window(chunk.energy, cuts.prompt_energy)
    prompt_time = in_window(chunk.time, cuts.prompt_time)
    delayed = delayed_type & in_window(chunk.energy, cuts.delayed_energy) & fiducial
    fake = np.zeros(len(chunk))
    eligible = np.flatnonzero(delayed_type & prompt_energy & fiducial)
    fake[eligible] = _fake_multiplicity(chunk.time[eligible], cuts)
    return EventMasks(window, fiducial, veto_ok, is_muon, prompt_readout, prompt_energy,
                      prompt_time, delayed, fake)
