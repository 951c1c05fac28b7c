"""Neutrino sources: stopped-pion and muon decay at rest, reactors (spectra, timing, facility presets)."""
