"""The researcher API for raters, under /api/studies/{slug}/: raters with quality stats,
exclusion, invites, rater settings and gold pairs. Token auth; a researcher's own studies."""
