"""jsns2_sterile experiment."""
