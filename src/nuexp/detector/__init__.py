"""Detector response: quenching, light yield, photoelectron statistics, resolution, coincidence, geometry."""
