"""The budget API names the PPI shares without importing numpy; the names must stay the
statistics' own."""

from comparisons.stats.ppi import SHARES
from judges.budget_apis import SHARE_NAMES


def test_the_budget_apis_share_names_are_the_ppi_shares():
    assert list(SHARES) == SHARE_NAMES
