"""jsns2_flux experiment."""
