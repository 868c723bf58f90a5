"""The ``cloudrun`` runtime: image releases as Google Cloud Run revisions (``google-cloud-run``)."""
