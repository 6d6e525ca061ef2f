-- `rerouted_to` lists a suborder's replacements in (created_at, id) order, and every suborder
-- read computes it, 50 times per feed page. Indexed on `replaces` alone, each of those reads was
-- an index probe and then a sort of its own, set up and torn down per suborder even when it
-- found nothing. With the order in the index, the probe answers in order (an index-only scan
-- once the rows are all-visible). PostgreSQL alone served 14-20 % more feed pages a second with
-- this index and the page statement's own sort removed (bench/README.md, 2026-12-07,
-- 11:06-13:10 UTC).
-- Still partial: a suborder that replaces none (almost all of them) adds no index entry.
CREATE INDEX suborders_replaces_in_order ON suborders (replaces, created_at, id) WHERE replaces IS NOT NULL;
DROP INDEX suborders_replaces;
