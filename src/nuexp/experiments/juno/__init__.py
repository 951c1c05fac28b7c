"""juno experiment."""
