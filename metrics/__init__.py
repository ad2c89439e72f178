"""Support metrics: how fast, how well and how far the team's answers travel."""
