"""Results of a study: votes counted into arrays (`selectors`), turned into win / tie / loss
rates with intervals, tests, agreement, rankings and biases (`compute`, pure), cached as a
ResultSnapshot and refreshed by a debounced Celery task (`service`)."""
