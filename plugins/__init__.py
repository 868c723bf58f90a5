"""Built-in plugins: detectors, builders, providers and notifiers, using only public hooks."""
