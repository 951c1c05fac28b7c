"""cicenns experiment."""
