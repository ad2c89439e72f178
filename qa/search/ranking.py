"""How well one tip matches a parsed query (qa.search.engine finds the
candidates; this scores each of them, the same on SQLite and PostgreSQL):

- BM25 for each token (rarer tokens weigh more; repeated occurrences count
  less and less; long tips are not favoured), plus a bonus when the token is in
  the title;
- multiplied by the share of the query the tip covers;
- a bonus when a phrase of the query (a Japanese run, consecutive words) is in
  the tip as written.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.search.engine import ParsedQuery

# BM25 parameters, and the length of an average tip in tokens.
K1 = 1.2
B = 0.75
AVERAGE_LENGTH = 400
TITLE_BONUS = 2.0
PHRASE_BONUS = 0.5
# A synonym of several tokens counts for a tip that has more than half of them.
SYNONYM_MIN_SHARE = 0.6


@dataclass
class Match:
    score: float = 0.0
    coverage: float = 0.0  # share of the query's weight, rarity included
    token_coverage: float = 0.0  # share of the query's tokens, rarity left out
    has_word: bool = False  # a token of full weight matched


class Scorer:
    """How well one tip matches the query. What depends on the query alone
    (each wording's weights, each group's weight, the phrases) is computed
    once here, not once per candidate."""

    def __init__(self, parsed: "ParsedQuery", idf: dict[str, float]):
        self.groups = []
        for group in parsed.groups:
            alternatives = []
            for alternative in group.alternatives:
                # (key, weight with rarity, weight before rarity) for each token
                tokens = [(f" {token} ", weight * idf.get(token, 0.0), weight) for token, weight in alternative.tokens]
                weight_sum = token_sum = 0.0
                for _, weighted, weight in tokens:
                    weight_sum += weighted
                    token_sum += weight
                alternatives.append((alternative.factor, tokens, weight_sum, token_sum))
            # What the group weighs: its heaviest wording (the customer's own words
            # may be ones no tip uses, while a synonym is everywhere).
            group_weight = max(
                sum(weight * idf.get(token, 0.0) for token, weight in alternative.tokens)
                for alternative in group.alternatives
            )
            group_tokens = sum(weight for _, weight in group.alternatives[0].tokens)
            self.groups.append((alternatives, group_weight, group_tokens))
        self.phrases = [
            (" " + " ".join(phrase) + " ", PHRASE_BONUS * sum(idf.get(token, 0.0) for token in phrase))
            for phrase in parsed.phrases
        ]

    def __call__(self, title: str, body: str) -> Match:
        title, body = f" {title} ", f" {body} "
        length_norm = K1 * (1 - B + B * body.count(" ") / AVERAGE_LENGTH)
        match = Match()
        covered = total = tokens_covered = tokens_total = 0.0
        for alternatives, group_weight, group_tokens in self.groups:
            best_score = best_share = best_token_share = 0.0
            for factor, tokens, weight_sum, token_sum in alternatives:
                alternative_score = matched = tokens_matched = 0.0
                has_word = False
                for key, weighted, weight in tokens:
                    in_body = body.count(key)
                    in_title = key in title
                    if in_body or in_title:
                        matched += weighted
                        tokens_matched += weight
                        has_word = has_word or weight >= 1
                        alternative_score += weighted * (
                            in_body * (K1 + 1) / (in_body + length_norm) + TITLE_BONUS * in_title
                        )
                token_share = tokens_matched / token_sum if token_sum else 0.0
                if factor < 1 and token_share < SYNONYM_MIN_SHARE:
                    continue  # a synonym counts when most of it is there, not one pair of it (ント of アカウント)
                match.has_word = match.has_word or has_word
                best_score = max(best_score, factor * alternative_score)
                best_token_share = max(best_token_share, token_share)
                if weight_sum:
                    best_share = max(best_share, factor * matched / weight_sum)
            match.score += best_score
            covered += best_share * group_weight
            total += group_weight
            tokens_covered += best_token_share * group_tokens
            tokens_total += group_tokens
        if not total:
            return match
        for key, bonus in self.phrases:
            if key in title or key in body:
                match.score += bonus * (2 if key in title else 1)
        match.coverage = covered / total
        match.token_coverage = tokens_covered / tokens_total if tokens_total else 0.0
        match.score *= match.coverage
        return match
