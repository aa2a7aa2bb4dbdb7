"""Reading uploaded model outputs: parsing bodies and files into rows, validating rows.

Pure Python (no database): the service in `comparisons.services.outputs` does the checks
that need stored data and the writes."""
