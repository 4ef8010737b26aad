"""Keyed hashes that stand in for client addresses after ingest.

An address is evidence (shared ranges link hydra accounts) and personal data at once, so
ingest keeps only what linkage needs: a keyed hash of the full address and one of its
network (/24 IPv4, /48 IPv6), keyed with `Settings.hash_secret` so that nobody without it
can undo them by hashing the whole (small) IPv4 space. Spellings of one IPv6 address
(case, "::" compression, leading zeros) hash alike. The parse is also the rule of what a well-formed address
is: text that does not parse gets no hash, and ingest quarantines its row.

Everything runs in DuckDB over the *distinct* addresses of a table (far fewer than rows),
so a day of millions of requests hashes in one vectorized pass.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4 = rf"{_OCTET}(\.{_OCTET}){{3}}"
_H = "[0-9a-fA-F]{1,4}"
# RFC 4291 text forms with at most one "::"; no zone index, no embedded IPv4 tail.
IPV6 = "|".join([
    rf"({_H}:){{7}}{_H}",
    rf"({_H}:){{1,7}}:",
    rf"({_H}:){{1,6}}:{_H}",
    rf"({_H}:){{1,5}}(:{_H}){{1,2}}",
    rf"({_H}:){{1,4}}(:{_H}){{1,3}}",
    rf"({_H}:){{1,3}}(:{_H}){{1,4}}",
    rf"({_H}:){{1,2}}(:{_H}){{1,5}}",
    rf"{_H}:(:{_H}){{1,6}}",
    rf":((:{_H}){{1,7}}|:)",
])
HASH_HEX_CHARS = 16  # 64 bits: no collision in practice among a day's addresses

_ADDRESS_MAP = f"""
CREATE OR REPLACE TEMP TABLE {{name}} AS
WITH distinct_addresses AS (
    SELECT DISTINCT address FROM address_values WHERE address IS NOT NULL
), v4 AS (
    SELECT address, address AS canonical,
           regexp_replace(address, '\\.[0-9]+$', '.0/24') AS network
    FROM distinct_addresses WHERE regexp_full_match(address, $ipv4)
), v6_halves AS (
    SELECT address, string_split(lower(address), '::') AS halves
    FROM distinct_addresses
    WHERE NOT regexp_full_match(address, $ipv4) AND regexp_full_match(address, $ipv6)
), v6_parts AS (
    SELECT address,
           CASE WHEN halves[1] = '' THEN []::VARCHAR[] ELSE string_split(halves[1], ':') END AS head,
           CASE WHEN len(halves) < 2 OR halves[2] = '' THEN []::VARCHAR[]
                ELSE string_split(halves[2], ':') END AS tail
    FROM v6_halves
), v6_hextets AS (  -- the eight hextets, "::" expanded, each padded to 4 digits
    SELECT address,
           list_transform(list_concat(head, repeat(['0'], 8 - len(head) - len(tail)), tail),
                          lambda h: lpad(h, 4, '0')) AS hextets
    FROM v6_parts
), forms AS (
    SELECT * FROM v4
    UNION ALL
    SELECT address, array_to_string(hextets, ':'), array_to_string(hextets[1:3], ':') || '::/48'
    FROM v6_hextets
)
SELECT address,
       left(sha256($secret || '|' || canonical), {HASH_HEX_CHARS}) AS address_hash,
       left(sha256($secret || '|' || network), {HASH_HEX_CHARS}) AS prefix_hash
FROM distinct_addresses LEFT JOIN forms USING (address)
"""


def build_address_map(con: duckdb.DuckDBPyConnection, column: pa.ChunkedArray,
                      secret: str, name: str) -> None:
    """Create temp table `name(address, address_hash, prefix_hash)` over the distinct
    non-null values of `column`; both hashes are null where the text is no address.

    `name` is an identifier chosen by our code, never an input value; the secret and the
    patterns travel as parameters.
    """
    con.register("address_values", distinct_addresses(column))
    con.execute(_ADDRESS_MAP.format(name=name), {"ipv4": IPV4, "ipv6": IPV6, "secret": secret})


def distinct_addresses(column: pa.ChunkedArray) -> pa.Table:
    """Table `address` of the distinct values of `column`. Ingest reads addresses
    dictionary-encoded with one dictionary for all chunks: then that dictionary is the answer."""
    if pa.types.is_dictionary(column.type) and column.num_chunks:
        return pa.table({"address": _shared_dictionary(column)})
    return pa.table({"address": pc.unique(column.cast(pa.string()))})


def replace_address(table: pa.Table, column: str, address_map: pa.Table,
                    hash_name: str, prefix_name: str) -> pa.Table:
    """`table` with `column` replaced, in place, by its two hashes looked up in
    `address_map` (from `build_address_map`). Done in Arrow, once per distinct address when
    the column is dictionary-encoded, so row order is kept and the wide table never goes
    through SQL."""
    values = table.column(column)
    encoded = pa.types.is_dictionary(values.type) and values.num_chunks > 0
    lookup = _shared_dictionary(values) if encoded else values
    where = pc.index_in(lookup, value_set=address_map.column("address").combine_chunks())
    position = table.schema.get_field_index(column)
    table = table.remove_column(position)
    for offset, name in enumerate(("address_hash", "prefix_hash")):
        found = pc.take(address_map.column(name).combine_chunks(), where)
        if encoded:
            found = pa.chunked_array([pc.take(found, chunk.indices) for chunk in values.chunks], pa.string())
        table = table.add_column(position + offset, (hash_name, prefix_name)[offset], found)
    return table


def _shared_dictionary(column: pa.ChunkedArray) -> pa.Array:
    dictionary = column.chunk(0).dictionary
    if not all(chunk.dictionary.equals(dictionary) for chunk in column.chunks[1:]):
        raise ValueError("address chunks must share one dictionary (Table.unify_dictionaries)")
    return dictionary
