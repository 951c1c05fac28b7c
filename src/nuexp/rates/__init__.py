"""Expected event rates: flux × cross section × targets × detector response.

* :mod:`nuexp.rates.cevns`: CEvNS recoil and photoelectron spectra (any source, any target);
* :mod:`nuexp.rates.ibd`: the one inverse-beta-decay rate model (cores → oscillation →
  cross section → resolution and nonlinearity → binned prompt spectra).
"""

from .cevns import LabelledSpectra, npe_spectra, recoil_spectra
from .ibd import DAY, IbdRateModel, energy_grid

__all__ = ["DAY", "IbdRateModel", "LabelledSpectra", "energy_grid", "npe_spectra",
           "recoil_spectra"]
