"""Physics names for configuration keys, for legends and axis labels.

Configuration keys are written for TOML (``li9he8``, ``alpha_n``, ``carbon12_ngs``,
``dm2_31``); a figure shown in a talk names the same things in physics notation
(⁹Li/⁸He, ¹³C(α,n)¹⁶O, ¹²C(νe,e⁻)¹²N_gs, Δm²31). :func:`physics_label` gives that name
(matplotlib mathtext) for every key the presets use, and a readable fallback (underscores
become spaces) for a key a user's TOML introduces.

Examples
--------
>>> physics_label("li9he8")
'$^{9}$Li/$^{8}$He'
>>> physics_label("my_new_background")
'my new background'
>>> scientific(1.2134e14), scientific(0.5)
('$1.21\\\\times10^{14}$', '$0.5$')
>>> parameter_label("dm2_31")
'$\\\\Delta m^2_{31}$ [$10^{-3}$ eV$^2$]'
>>> nuclide_label("Y96"), nuclide_label("Nb104m")
('$^{96}$Y', '$^{104\\\\mathrm{m}}$Nb')
"""

from __future__ import annotations

import math
import re

__all__ = ["PARAMETER_SCALE", "is_raw_key", "nuclide_label", "parameter_label", "physics_label",
           "scientific"]

_NAMES = {
    # neutrino components of a source
    "nue": r"$\nu_e$",
    "nuebar": r"$\bar{\nu}_e$",
    "numu": r"prompt $\nu_\mu$",
    "numubar": r"$\bar{\nu}_\mu$",
    # CEvNS backgrounds
    "beam_related_neutrons": "beam-related neutrons",
    "brn": "beam-related neutrons",
    "prompt_brn": "prompt beam-related neutrons",
    "delayed_brn": "delayed beam-related neutrons",
    "cosmic_neutrons": "cosmic-ray neutrons",
    "muon_induced_neutrons": "muon-induced neutrons",
    "dark_count": "PMT dark counts",
    "pmt_dark_counts": "PMT dark counts",
    "delayed_electrons": "delayed single electrons",
    "electron_recoils": "electron recoils",
    "radioactive_isotopes": "radioactive isotopes",
    "radioactivity": "radioactivity",
    "steady_state": "steady state (beam off)",
    # reactor backgrounds
    "accidentals": "accidentals",
    "accidental": "accidentals",
    "li9he8": r"$^{9}$Li/$^{8}$He",
    "lithium_helium": r"$^{9}$Li/$^{8}$He",
    "fast_neutrons": "fast neutrons",
    "fast_neutron": "fast neutrons",
    "alpha_n": r"$^{13}$C($\alpha$,n)$^{16}$O",
    "alpha_neutron": r"$^{13}$C($\alpha$,n)$^{16}$O",
    "amc": r"$^{241}$Am-$^{13}$C source",
    "geoneutrinos": r"geo-$\bar{\nu}_e$",
    "world_reactors": "other reactors",
    "atmospheric": r"atmospheric $\nu$ (NC)",
    # nuclear-data libraries of the summation spectra
    "endfb-viii.0": "ENDF/B-VIII.0",
    "jeff-3.3": "JEFF-3.3",
    "endfb-viii.0+ensdf": "ENDF/B-VIII.0 + ENSDF",
    # spallation-source IBD backgrounds (JSNS2)
    "intrinsic_nuebar": r"intrinsic $\bar{\nu}_e$ ($\mu^-$ decay)",
    "carbon12_ngs": r"$^{12}$C($\nu_e$,e$^-$)$^{12}$N$_{\rm gs}$",
}

#: Display scale of the mass splittings [eV²]: Δm²21 in 10⁻⁵ eV², Δm²3x in 10⁻³ eV².
PARAMETER_SCALE = {"dm2_21": 1e-5, "dm2_31": 1e-3, "dm2_32": 1e-3}

_PARAMETERS = {
    "sin2_theta12": r"$\sin^2\theta_{12}$",
    "sin2_theta13": r"$\sin^2\theta_{13}$",
    "sin2_theta23": r"$\sin^2\theta_{23}$",
    "sin2_2theta13": r"$\sin^2 2\theta_{13}$",
    "dm2_21": r"$\Delta m^2_{21}$ [$10^{-5}$ eV$^2$]",
    "dm2_31": r"$\Delta m^2_{31}$ [$10^{-3}$ eV$^2$]",
    "dm2_32": r"$\Delta m^2_{32}$ [$10^{-3}$ eV$^2$]",
}


def physics_label(key: str) -> str:
    """The physics name of a configuration key (source component or background).

    Parameters
    ----------
    key : str
        Key as written in the TOML (``"li9he8"``, ``"numubar"``, ...).

    Returns
    -------
    str
        Mathtext label; for an unknown key the key with underscores replaced by spaces.
    """
    return _NAMES.get(key, key.replace("_", " "))


def parameter_label(key: str) -> str:
    """Axis label of an oscillation parameter, with its display unit (see
    :data:`PARAMETER_SCALE`); an unknown key is returned with underscores as spaces."""
    return _PARAMETERS.get(key, key.replace("_", " "))


#: A nuclide as the nuclear-data tables name it: element symbol, mass number, optional
#: isomer tag (``Y96``, ``Nb104m``, ``Am242m1``).
_NUCLIDE = re.compile(r"([A-Z][a-z]?)(\d{1,3})(m\d?)?")


def nuclide_label(name: str) -> str:
    """A nuclide in physics notation: mass number (and isomer tag) as a left superscript.

    Parameters
    ----------
    name : str
        Symbol then mass number, with an optional isomer tag ``m``/``m1``/``m2``
        (``"Y96"``, ``"Cs142"``, ``"Nb104m"``), as the summation tables name nuclides.

    Returns
    -------
    str
        Mathtext label (``"Nb104m"`` gives ``$^{104\\mathrm{m}}$Nb``, drawn as ¹⁰⁴ᵐNb).

    Raises
    ------
    ValueError
        If ``name`` is not symbol + mass number (1-3 digits) + optional isomer tag.
    """
    match = _NUCLIDE.fullmatch(name)
    if match is None:
        raise ValueError(f"nuclide name {name!r}: expected element symbol, mass number and "
                         "optional isomer tag, such as 'Y96' or 'Nb104m'")
    symbol, mass, isomer = match.groups()
    tag = rf"\mathrm{{{isomer}}}" if isomer else ""
    return f"$^{{{mass}{tag}}}${symbol}"


def scientific(value: float, digits: int = 3) -> str:
    """``value`` as mathtext with ``digits`` significant digits, ``a×10^b`` outside
    [0.01, 1000) (a legend shows 1.21×10¹⁴, not 1.21e+14)."""
    if value == 0 or 0.01 <= abs(value) < 1000:
        return f"${value:.{digits}g}$"
    exponent = math.floor(math.log10(abs(value)))
    mantissa = value / 10**exponent
    return rf"${mantissa:.{digits}g}\times10^{{{exponent}}}$"


# keys that read as words but are not physics notation (the underscore ones are caught anyway)
_RAW_WORDS = frozenset({"nue", "nuebar", "numu", "numubar", "li9he8", "amc", "brn"})


def is_raw_key(text: str) -> bool:
    """Whether a drawn ``text`` shows a configuration key instead of a physics name.

    That is an underscore outside mathtext (``alpha_n``, ``dm2_31``; ``$\\Delta m^2_{31}$``
    is fine) or a word that is one of the keys (``li9he8``, ``numubar``).

    Examples
    --------
    >>> is_raw_key("alpha_n"), is_raw_key("li9he8 (fit)"), is_raw_key(physics_label("li9he8"))
    (True, True, False)
    """
    outside_math = re.sub(r"(?<!\\)\$.*?(?<!\\)\$", " ", text)
    if "_" in outside_math:
        return True
    return any(word in _RAW_WORDS for word in re.findall(r"[A-Za-z0-9]+", outside_math))
