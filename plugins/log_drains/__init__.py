"""The log drains plugin: a project's build, runtime and edge logs sent to an HTTPS
endpoint as NDJSON or to an OpenTelemetry collector over OTLP/HTTP (the API, the
``autostack drains`` commands and the pump that feeds them)."""
