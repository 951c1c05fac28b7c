"""coherent_csi experiment."""
