"""jsns2_events experiment."""
