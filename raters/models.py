"""Raters, assignments (leases) and votes: built by the raters issue on top of
comparisons.Comparison. Empty for now; the app exists so the layout is the design's."""
