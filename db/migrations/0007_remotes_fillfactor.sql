-- Every sync sets last_seen_at on every remote it sees (10,000 rows for 10 × 1,000 remotes), and
-- PostgreSQL writes a new version of each row. On a full page that version goes elsewhere and all
-- eight indexes of pdm_remotes get a new entry; with room left on the page it stays there and no
-- index is touched (a heap-only update: last_seen_at, status and last_error are not indexed).
-- A sync updates every row of a page at once, so half of each page is kept free.
-- (psql, 1,000 of 10,000 one-kilobyte rows with these indexes: 38-50 ms at 100, 7-10 ms at 50.)
-- Pages written from now on keep the room; existing rows move to such pages as they are updated.
ALTER TABLE "pdm_remotes" SET (fillfactor = 50);
