"""Text search over case data, shared by known solutions and tickets (one search, one behaviour).

PostgreSQL: full-text search with the German configuration over a generated `search_vector` column
(made by migrations, unknown to the models): stemming finds "Druckers" for "Drucker", and every word
is also a prefix, so "Druck" finds "druckt". Trigram word similarity on a short title field catches
typos and error codes. Matches are ranked by both.
SQLite, the zero-setup default: each word, cut to a crude stem, as a case-insensitive substring;
ranked by how many words match. It finds words, not inflections or typos.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField, TrigramWordSimilarity
from django.db import connections
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 12  # a long description is cut here: enough to rank, cheap to run
# Frequent German words that say nothing about the problem (PostgreSQL drops its own, larger list).
STOP_WORDS = frozenset(  # a word list to read, not one word per line
    "als am an auch auf aus bei beim das dass dem den der des die ein eine einen es für geht "  # noqa: SIM905
    "hat ich im in ist kann kein keine mit nach nicht noch oder sich sie und von vom was "
    "wenn wie wird zu zum zur".split()
)


def words(text: str) -> list[str]:
    """The distinct search words of a text, lower case, in their order."""
    found = []
    for word in WORD.findall(text.lower()):
        if len(word) >= 2 and word not in found:
            found.append(word)
    return found[:MAX_WORDS]


def on_postgres(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def _vector(queryset):
    table = connections[queryset.db].ops.quote_name(queryset.model._meta.db_table)
    return RawSQL(f'{table}."search_vector"', [], output_field=SearchVectorField())


def _tsquery(found, operator):
    return SearchQuery(
        f" {operator} ".join(f"{word}:*" for word in found), config="german", search_type="raw"
    )


def ranked(queryset: QuerySet, text: str, *, title: str, fields: tuple[str, ...]) -> QuerySet:
    """Rows matching any word of `text`, best first, annotated with `relevance`.

    `title` is the short field for typo tolerance; `fields` are searched on SQLite (on PostgreSQL
    the generated column covers them).
    """
    found = words(text)
    if not found:
        return queryset.none()
    if on_postgres(queryset):
        query, phrase = _tsquery(found, "|"), " ".join(found)
        return (
            queryset.alias(vector=_vector(queryset))
            .filter(Q(vector=query) | Q(**{f"{title}__trigram_word_similar": phrase}))
            .annotate(relevance=SearchRank(F("vector"), query) + TrigramWordSimilarity(phrase, title))
            .order_by("-relevance", "-pk")
        )
    stems = [_stem(word) for word in found if word not in STOP_WORDS] or [_stem(word) for word in found]
    score = sum(
        (
            Case(When(_any_field(title, fields, stem), then=Value(2 if i < 3 else 1)), default=Value(0))
            for i, stem in enumerate(stems)
        ),
        start=Value(0),
    )
    return (
        queryset.annotate(relevance=Cast(score, FloatField()))
        .filter(relevance__gt=0)
        .order_by("-relevance", "-pk")
    )


def matching_all(queryset: QuerySet, text: str, *, fields: tuple[str, ...], also: Q = None) -> QuerySet:
    """Rows containing every word of `text` (a list filter), or matching `also` (e.g. a number)."""
    found = words(text)
    if not found:
        return queryset if also is None else queryset.filter(also)
    if on_postgres(queryset):
        condition = Q(vector=_tsquery(found, "&"))
        return queryset.alias(vector=_vector(queryset)).filter(condition | also if also else condition)
    condition = Q()
    for word in found:
        condition &= _any_field(None, fields, _stem(word))
    return queryset.filter(condition | also if also else condition)


def _any_field(title, fields, stem):
    condition = Q(**{f"{title}__icontains": stem}) if title else Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": stem})
    return condition


def _stem(word: str) -> str:
    """Crude German stemming for the fallback: drop up to two letters of inflection ("druckt" -> "druc")."""
    return word[: max(4, len(word) - 2)] if len(word) > 5 else word


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
