"""Framework detectors, one module per family."""
