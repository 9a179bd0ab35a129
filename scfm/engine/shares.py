"""How one account's allowance of calls is shared among its running callouts (pure, no database).

Emergency callouts come first and take all they can use, sharing equally among themselves; what
is left goes to the other callouts by weight (high : normal : low = 4 : 2 : 1, from
`scfm.callouts.delivery`). Both tiers use smooth weighted round-robin (the scheme nginx uses
for upstream weights): each pick adds every callout's weight to its credit, gives the call to the
callout with the most credit and takes the total weight from that callout's credit. Credits are
kept between ticks, so even an allowance of one call per tick converges to the weights, and a
callout of weight 1 is picked at least once every sum-of-weights picks: none starves.

A callout that takes less than its quota has nothing more due this tick: it leaves the tick, its
quota goes to the others, and its credit is reset so it cannot bank picks it did not use and
burst later.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass
class SmoothWeightedRoundRobin:
    """The credits of one tier of callouts, kept from one tick to the next."""

    credits: dict[int, int] = field(default_factory=dict)

    def split(self, picks: int, weights: Mapping[int, int]) -> dict[int, int]:
        """Return how many of `picks` each callout of `weights` gets (weights must be positive)."""
        quotas = dict.fromkeys(weights, 0)
        total = sum(weights.values())
        if picks <= 0 or total <= 0:
            return quotas
        # A whole cycle of `total` picks gives each callout exactly its weight and leaves the
        # credits as they were: large allowances are shared without picking one call at a time.
        cycles, picks = divmod(picks, total)
        for key, weight in weights.items():
            quotas[key] = cycles * weight
        credits = {key: self.credits.get(key, 0) for key in weights}
        for _ in range(picks):
            for key, weight in weights.items():
                credits[key] += weight
            chosen = max(credits, key=credits.__getitem__)  # ties: the first in `weights`
            credits[chosen] -= total
            quotas[chosen] += 1
        self.credits.update(credits)
        return quotas

    def forget(self, key: int) -> None:
        """Drop a callout's credit: it had nothing due, or it no longer runs."""
        self.credits.pop(key, None)

    def keep_only(self, keys: set[int]) -> None:
        for key in set(self.credits) - keys:
            del self.credits[key]


@dataclass
class AccountShares:
    """The sharing state of one account: the emergency tier and the weighted tier."""

    emergency: SmoothWeightedRoundRobin = field(default_factory=SmoothWeightedRoundRobin)
    weighted: SmoothWeightedRoundRobin = field(default_factory=SmoothWeightedRoundRobin)

    def distribute(
        self,
        allowance: int,
        *,
        emergencies: list[int],
        weights: Mapping[int, int],
        take: Callable[[int, int], int],
    ) -> int:
        """Share `allowance` calls: `take(callout, quota)` claims up to `quota` of a callout's due
        calls and returns how many it claimed. Return how many were claimed in all."""
        self.emergency.keep_only(set(emergencies))
        self.weighted.keep_only(set(weights))
        remaining = allowance
        for tier, tier_weights in (
            (self.emergency, dict.fromkeys(emergencies, 1)),  # emergencies share equally
            (self.weighted, dict(weights)),
        ):
            remaining -= _share_tier(tier, remaining, tier_weights, take)
        return allowance - remaining


def _share_tier(
    tier: SmoothWeightedRoundRobin, allowance: int, weights: dict[int, int], take: Callable[[int, int], int]
) -> int:
    """Share `allowance` among one tier until it is used up or every callout ran dry."""
    remaining = allowance
    while remaining > 0 and weights:
        for key, quota in tier.split(remaining, weights).items():
            if quota == 0:
                continue
            taken = take(key, quota)
            remaining -= taken
            if taken < quota:
                # Nothing more due: its unused picks go round again among the others.
                del weights[key]
                tier.forget(key)
    return allowance - remaining
