"""Statistics: counting significance, binned likelihoods with nuisances, fits, scans."""
