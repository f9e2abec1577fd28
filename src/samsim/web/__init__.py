"""The replay viewer: a small local server and its static page."""

from __future__ import annotations
