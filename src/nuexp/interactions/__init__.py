"""Neutrino interactions: CEvNS (+ form factors), IBD, 12C charged current, nu-e scattering."""
