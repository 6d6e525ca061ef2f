-- Settlement lines are written by one INSERT … SELECT per group of vendors (issue 9: a run over
-- 1,050,000 lines spent most of its time in per-row foreign-key checks and index entries).

-- No per-row foreign keys: a line is only ever written by `SettlementStore.createRun`, in the
-- same transaction as its run and statement, and its statement id comes from joining the
-- statements that transaction has just written (so the run and the statement exist by
-- construction); runs and statements are never deleted.
ALTER TABLE settlement_lines
    DROP CONSTRAINT settlement_lines_run_id_fkey,
    DROP CONSTRAINT settlement_lines_statement_id_fkey;

-- One index for both "the key" and "a run's lines by id" (the CSV export pages by run_id, id):
-- ids come from a sequence, so (run_id, id) is as unique as id alone.
ALTER TABLE settlement_lines DROP CONSTRAINT settlement_lines_pkey;
DROP INDEX settlement_lines_run;
ALTER TABLE settlement_lines ADD CONSTRAINT settlement_lines_pkey PRIMARY KEY (run_id, id);
