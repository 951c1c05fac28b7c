"""Detector geometry: upright cylinders (target vessels, fiducial volumes).

Coordinates have their origin at the detector centre, z vertical, R = √(x² + y²)
(JSNS2 2025, Sec. V). A fiducial volume is checked against the vessel that contains it:
a fiducial cylinder larger than the vessel is refused with a message naming the field.

Examples
--------
>>> from hepunits import cm, cm3
>>> from nuexp.detector.geometry import fiducial_cylinder
>>> fv = fiducial_cylinder(radius=140 * cm, half_height=100 * cm)
>>> round(fv.volume / (1000 * cm3))     # JSNS2 2025 Sec. VIII.3: 1.23e4 L
12315
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hepunits import cm
from numpy.typing import ArrayLike

from ..exceptions import InvalidConfiguration, UnphysicalParameter
from ..validation import require_finite, require_positive

__all__ = ["Cylinder", "JSNS2_ACRYLIC_VESSEL", "fiducial_cylinder"]


@dataclass(frozen=True)
class Cylinder:
    """An upright cylinder centred on the origin.

    Parameters
    ----------
    radius : float
        Radius (hepunits length, > 0).
    half_height : float
        Half of the height: the cylinder spans |z| ≤ half_height (> 0).
    name : str
        Label for messages.
    """

    radius: float
    half_height: float
    name: str = "cylinder"

    def __post_init__(self) -> None:
        require_positive(f"{self.name}: radius", self.radius)
        require_positive(f"{self.name}: half_height", self.half_height)

    @property
    def height(self) -> float:
        """Full height 2 × half_height."""
        return 2.0 * self.half_height

    @property
    def volume(self) -> float:
        """π R² H (hepunits volume)."""
        return float(np.pi * self.radius**2 * self.height)

    def contains(self, x: ArrayLike, y: ArrayLike, z: ArrayLike) -> np.ndarray:
        """Boolean mask of points inside (R < radius and |z| < half_height)."""
        x, y, z = (require_finite(n, v) for n, v in (("x", x), ("y", y), ("z", z)))
        return (np.hypot(x, y) < self.radius) & (np.abs(z) < self.half_height)

    def check_within(self, outer: Cylinder, field: str = "fiducial") -> None:
        """Refuse this cylinder if it does not fit inside ``outer``.

        Raises
        ------
        InvalidConfiguration
            Naming ``field``.radius / ``field``.half_height, the value and the limit.
        """
        if self.radius > outer.radius:
            raise InvalidConfiguration(
                f"{field}.radius = {self.radius / cm:g} cm exceeds the {outer.name} radius "
                f"{outer.radius / cm:g} cm (allowed: 0 < radius <= {outer.radius / cm:g} cm)"
            )
        if self.half_height > outer.half_height:
            raise InvalidConfiguration(
                f"{field}.half_height = {self.half_height / cm:g} cm exceeds the {outer.name} "
                f"half-height {outer.half_height / cm:g} cm (height {outer.height / cm:g} cm; "
                f"allowed: 0 < half_height <= {outer.half_height / cm:g} cm)"
            )

    def sample_uniform(self, size: int, rng: np.random.Generator | int) -> np.ndarray:
        """Points uniformly distributed in the volume, shape (size, 3): x, y, z."""
        if rng is None:
            raise UnphysicalParameter("rng: give a numpy Generator or an integer seed (never None)")
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(int(rng))
        if size < 0:
            raise UnphysicalParameter(f"size must be >= 0; got {size}")
        r = self.radius * np.sqrt(gen.random(size))
        phi = 2 * np.pi * gen.random(size)
        z = self.half_height * (2 * gen.random(size) - 1)
        return np.column_stack([r * np.cos(phi), r * np.sin(phi), z])


#: JSNS2 acrylic vessel: 3.2 m diameter, 2.5 m height (JSNS2 2025, Sec. II).
JSNS2_ACRYLIC_VESSEL = Cylinder(radius=160 * cm, half_height=125 * cm, name="JSNS2 acrylic vessel")


def fiducial_cylinder(radius: float, half_height: float,
                      vessel: Cylinder | None = JSNS2_ACRYLIC_VESSEL,
                      field: str = "fiducial") -> Cylinder:
    """A fiducial cylinder R < radius, |z| < half_height, checked against ``vessel``.

    Parameters
    ----------
    radius, half_height : float
        Hepunits lengths (> 0).
    vessel : Cylinder or None
        Containing vessel (default the JSNS2 acrylic vessel); ``None`` skips the check.
    field : str
        Name of the configuration block for error messages.
    """
    fv = Cylinder(radius=radius, half_height=half_height, name=f"{field} volume")
    if vessel is not None:
        fv.check_within(vessel, field)
    return fv
