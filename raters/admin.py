"""Admin for raters: registered with the raters models."""
