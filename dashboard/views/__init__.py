"""Researcher pages. Thin: each view checks access, calls a service or selector, renders."""
