"""Text search over case data, shared by known solutions and tickets (one search, one behaviour).

PostgreSQL: full-text search with the German configuration over a generated `search_vector` column
(made by migrations, unknown to the models): stemming finds "Druckers" for "Drucker", and every word
is also a prefix, so "Druck" finds "druckt" and "Rezept" finds "Rezeptdruck". For typos a longer
word is also looked for by its first half ("Rezpet" -> "rez…"), which also finds the parts of a
compound ("Rezeptdrucker" -> "rezept…"); a word spelt right matches both terms and so counts more.
Trigram word similarity on the short title field catches typos in long words; an error code or
number ("E-4711", "0x80070005") found gets a bonus. Fields rank title, symptoms, solution, cause.
SQLite, the zero-setup default: each word, cut to a crude stem, as a case-insensitive substring;
ranked by where the words are found (a title word starting with it counts most). It finds words,
hardly inflections, and typos only by the first half of a word.

The ranking is computed for the matching rows alone. With `candidates` (the suggestions during a
call) only for a bounded set of them, found without ranking (see _candidates): the cost then stays
flat however many rows the table holds (bench/suggestion_search.py: 100,000 known solutions and
1,000,000 tickets).
The ranking constants are tuned on tests/fixtures/solution_search_de.json (tests/test_solution_search.py).
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField, TrigramWordSimilarity
from django.db import connections
from django.db.models import Case, Expression, F, FloatField, Q, QuerySet, Value, When

WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 12  # a long description is cut here: enough to rank, cheap to run
# Frequent German words that say nothing about the problem (PostgreSQL drops its own, larger list).
STOP_WORDS = frozenset(  # a word list to read, not one word per line
    "als am an auch auf aus bei beim das dass dem den der des die ein eine einen es für geht "  # noqa: SIM905
    "hat ich im in ist kann kein keine mit nach nicht noch oder sich sie und von vom was "
    "wenn wie wird zu zum zur".split()
)
# Ranking on PostgreSQL.
WEIGHTS = [0.2, 0.3, 0.6, 1.0]  # ts_rank's order D, C, B, A: cause, solution, symptoms, title
NORMALIZATION = 1 | 32  # rank / (1 + log(length)), then scaled to 0..1: long texts do not win by length
TRIGRAM_WEIGHT = 0.2
CODE_BONUS = 0.5  # for an error code or number of the text ("E-4711", "0x80070005"): it says most
# pg_trgm's default word_similarity_threshold, written out for the candidates: as a function call,
# not the operator `%>`, the planner does not estimate it by running word_similarity over the
# column's statistics (~5 ms a query) and tries no trigram index scan (80-650 ms for a phrase on
# 1,000,000 tickets).
SIMILAR = 0.6
# The newest rows searched for a typo by trigram similarity alone, when candidates are bounded.
RECENT_FOR_TYPOS = 100
# Ranking on SQLite: points per word, by where it is found (an error code's times CODE_POINTS).
TITLE_WORD, IN_TITLE, IN_TEXT, LOOSE, CODE_POINTS = 2.5, 2.0, 1.0, 0.25, 3


def words(text: str) -> list[str]:
    """The distinct search words of a text, lower case, in their order."""
    found = []
    for word in WORD.findall(text.lower()):
        if len(word) >= 2 and word not in found:
            found.append(word)
    return found[:MAX_WORDS]


def _is_code(word: str) -> bool:
    return len(word) >= 3 and any(c.isdigit() for c in word)


def _significant(found: list[str]) -> list[str]:
    """The words without the stop words, unless that leaves none."""
    return [word for word in found if word not in STOP_WORDS] or found


def on_postgres(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


class _GeneratedVector(Expression):
    """The generated `search_vector` column of the query's own table, also when that table is an
    alias in a subquery (a RawSQL naming the table would make a subquery read the outer row)."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        return f'{compiler.quote_name_unless_alias(compiler.query.base_table)}."search_vector"', []


def _vector(queryset):
    return _GeneratedVector()


def _term(word: str) -> str:
    """A word as a prefix term; a number also as the signed number the German parser makes of
    "E-4711" ('-4711')."""
    return f"({word}:* | '-{word}':*)" if word.isascii() and word.isdigit() else f"{word}:*"


def _loose(word: str) -> str:
    """For a typo: a long enough word's first half, "rezpet" -> "rez"; else the word."""
    return word[: max(3, len(word) // 2)] if len(word) >= 5 and word.isalpha() else word


def _loose_term(word: str) -> str:
    loose = _loose(word)
    return _term(word) if loose == word else f"({word}:* | {loose}:*)"


def _tsquery(found, operator, term=_term):
    """The words (letters and digits only, so safe in raw syntax) joined by `operator`."""
    return SearchQuery(f" {operator} ".join(term(word) for word in found), config="german", search_type="raw")


def ranked(
    queryset: QuerySet, text: str, *, title: str, fields: tuple[str, ...], candidates: int | None = None
) -> QuerySet:
    """Rows matching any word of `text`, best first, annotated with `relevance`.

    `title` is the short field for typo tolerance; `fields` are searched on SQLite (on PostgreSQL
    the generated column covers them). `candidates`: on PostgreSQL, rank at most about four times
    that many matching rows (see _candidates) instead of all; for a short list of the best.
    """
    found = words(text)
    if not found:
        return queryset.none()
    significant = _significant(found)
    if on_postgres(queryset):
        # An exact word matches both its terms (word…, wo…), a typo only its first half: one rank.
        query, phrase = _tsquery(significant, "|", _loose_term), " ".join(significant)
        relevance = _rank(query) + TRIGRAM_WEIGHT * F("similarity")
        codes = [word for word in significant if _is_code(word)]
        if codes:
            relevance += Case(
                When(Q(vector=_tsquery(codes, "|")), then=Value(CODE_BONUS)), default=Value(0.0)
            )
        searched = queryset.alias(vector=_vector(queryset), similarity=TrigramWordSimilarity(phrase, title))
        if candidates:
            matching = searched.filter(pk__in=_candidates(searched, significant, query, candidates))
        else:
            matching = searched.filter(Q(vector=query) | Q(**{f"{title}__trigram_word_similar": phrase}))
        return matching.annotate(relevance=relevance).order_by("-relevance", "-pk")
    score = sum((_score(word, title, fields) for word in significant), start=Value(0.0))
    return queryset.annotate(relevance=score).filter(relevance__gt=0).order_by("-relevance", "-pk")


def _candidates(searched: QuerySet, significant: list[str], query, limit: int) -> QuerySet:
    """The primary keys worth ranking, each a match of `ranked`'s condition, found without ranking:
    the newest `limit` rows matching at all; up to `limit` rows with all the words as written
    (stemmed, no prefix: the index finds them without reading the lists of every word they start);
    up to `limit` with all the error codes; for a short text, the rows among the newest
    RECENT_FOR_TYPOS that only match by trigram similarity (a typo). While fewer than `limit` rows
    match and the table holds fewer than RECENT_FOR_TYPOS, these are all the matches."""
    tiers = [searched.filter(vector=query)]  # the newest ones, below
    if len(significant) > 1:
        tiers.append(searched.filter(vector=_all_of(significant)))
    codes = [word for word in significant if _is_code(word)]
    if codes:
        tiers.append(searched.filter(vector=_all_of(codes)))
    # Any `limit` rows with all the words: "the newest" would make the planner guess between walking the
    # primary key back (slow when they are rare) and sorting all of them (slow when they are many).
    parts = [tiers[0].order_by("-pk").values("pk")[:limit]]
    parts += [tier.order_by().values("pk")[:limit] for tier in tiers[1:]]
    if len(significant) <= 3:  # a longer phrase is not similar enough to a title by trigrams alone
        recent = searched.order_by("-pk").values("pk")[:RECENT_FOR_TYPOS]
        parts.append(searched.filter(pk__in=recent, similarity__gt=SIMILAR).order_by().values("pk"))
    return parts[0].union(*parts[1:], all=True)


def _all_of(found: list[str]) -> SearchQuery:
    """All the words, each as stemmed (an error code also as the parser reads "E-4711")."""
    exact = (f"({word} | '-{word}')" if word.isascii() and word.isdigit() else word for word in found)
    return SearchQuery(" & ".join(exact), config="german", search_type="raw")


def _rank(query):
    return SearchRank(F("vector"), query, weights=WEIGHTS, normalization=NORMALIZATION)


def _score(word, title, fields):
    """SQLite: a word's points, by where its stem (or else its first half) is found."""
    stem, loose, factor = _stem(word), _loose(word), CODE_POINTS if _is_code(word) else 1
    cases = [
        When(_contains((title,), stem, word_start=True), then=Value(factor * TITLE_WORD)),
        When(_contains((title,), stem), then=Value(factor * IN_TITLE)),
        When(_contains(fields, stem), then=Value(factor * IN_TEXT)),
    ]
    if loose != stem:
        cases.append(When(_contains((title, *fields), loose), then=Value(LOOSE)))
    return Case(*cases, default=Value(0.0), output_field=FloatField())


def matching_all(queryset: QuerySet, text: str, *, fields: tuple[str, ...], also: Q = None) -> QuerySet:
    """Rows containing every word of `text` (a list filter), or matching `also` (e.g. a number)."""
    found = words(text)
    if not found:
        return queryset if also is None else queryset.filter(also)
    significant = _significant(found)
    if on_postgres(queryset):
        condition = Q(vector=_tsquery(significant, "&"))
        return queryset.alias(vector=_vector(queryset)).filter(condition | also if also else condition)
    condition = Q()
    for word in significant:
        condition &= _contains(fields, _stem(word))
    return queryset.filter(condition | also if also else condition)


def _contains(fields, text, *, word_start=False):
    """Any of `fields` contains `text` (with `word_start`: a word starts with it, "Rezept wird…"
    for "reze", not "Kassenrezept"), in any case. SQLite folds only ASCII letters, so a word
    starting with an umlaut is also tried capitalized ("übertragung", "Übertragung")."""
    variants = [text] if text[:1].isascii() else [text, text[:1].upper() + text[1:]]
    condition = Q()
    for field in fields:
        for variant in variants:
            if word_start:
                condition |= Q(**{f"{field}__istartswith": variant}) | Q(
                    **{f"{field}__icontains": f" {variant}"}
                )
            else:
                condition |= Q(**{f"{field}__icontains": variant})
    return condition


def _stem(word: str) -> str:
    """Crude German stemming for the fallback: drop up to two letters of inflection ("druckt" -> "druc").
    An error code stays whole."""
    return word[: max(4, len(word) - 2)] if len(word) > 5 and word.isalpha() else word


# ---- installed by migrations (PostgreSQL only; SQLite searches without them) --------------------


def install_search(schema_editor, table: str, weighted: dict[str, str], trigram: str) -> None:
    """Add the generated German `search_vector` column over the `weighted` columns ({"title": "A"}),
    its GIN index, and a trigram index on the `trigram` column (pg_trgm must be installed)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    vector = " || ".join(
        f"setweight(to_tsvector('german', coalesce({quote(column)}, '')), '{weight}')"
        for column, weight in weighted.items()
    )
    schema_editor.execute(
        f"ALTER TABLE {quote(table)} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({vector}) STORED"
    )
    vector_index, trigram_index = quote(f"{table}_search"), quote(f"{table}_{trigram}_trgm")
    schema_editor.execute(f"CREATE INDEX {vector_index} ON {quote(table)} USING gin (search_vector)")
    schema_editor.execute(
        f"CREATE INDEX {trigram_index} ON {quote(table)} USING gin ({quote(trigram)} gin_trgm_ops)"
    )


def uninstall_search(schema_editor, table: str, trigram: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    schema_editor.execute(f"DROP INDEX {quote(f'{table}_{trigram}_trgm')}")
    schema_editor.execute(f"ALTER TABLE {quote(table)} DROP COLUMN search_vector")  # drops its index too


def install_indexes(schema_editor, table: str, indexes: dict[str, str]) -> None:
    """Indexes for the lists and searches, `{name: "(columns) WHERE …" or "USING gin (…)"}`: partial,
    descending with NULLS LAST and trigram indexes say more than the models can on every database;
    SQLite, the embedded default, does without."""
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for name, definition in indexes.items():
        schema_editor.execute(f"CREATE INDEX {quote(name)} ON {quote(table)} {definition}")


def uninstall_indexes(schema_editor, indexes: dict[str, str]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in indexes:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")
