"""Neutrino oscillation: PMNS, vacuum, matter (constant, layered), 3+1 sterile."""
