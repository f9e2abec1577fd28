"""Scenario files: pydantic models, YAML loading with line-numbered errors, and the
public-parameter catalogue."""

from __future__ import annotations
