"""Quality audits: staff replies scored against the team's written guidelines."""
