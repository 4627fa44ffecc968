"""Pages of the steering domain."""
