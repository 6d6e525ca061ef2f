-- "Settled once" keyed by the line's vendor first (issue 9). A run settles its lines a group of
-- vendors at a time, and each group asked "which of these lines are settled already?" of the
-- whole history: a hash of every settlement line ever written, built four times per group
-- (bench/README.md, 2026-12-07: about 1 s of a 3.6 s group once 800,000 lines were settled).
-- Led by the vendor, the index answers it from the group's own vendors, and a group's lines,
-- written in vendor order, go into neighbouring leaves instead of random ones.
--
-- Still exactly once: a source ('sale:' + a suborder line id, 'refund:' + a return line id)
-- names one line, and that line's vendor is written with it and never changed, so no source can
-- appear under two vendors. The constraint keeps its name: a concurrent second settlement of a
-- line is recognised by it.
ALTER TABLE settlement_lines
    DROP CONSTRAINT settlement_lines_settled_once,
    ADD CONSTRAINT settlement_lines_settled_once UNIQUE (vendor_id, source);
