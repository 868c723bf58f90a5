"""Placeholder: the client commands land here."""

from __future__ import annotations

import click

commands: list[click.Command] = []
