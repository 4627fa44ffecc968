"""Pages of the evaluation domain."""
