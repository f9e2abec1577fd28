"""Command and control: threat evaluation, engagement envelopes, weapon-target assignment,
doctrine."""

from __future__ import annotations
