-- A run's staged fetch (about 1 MB of remotes per endpoint) is written once and read back once, then
-- deleted: kept as the JSON text it arrives as (json, not jsonb: no binary form built, none turned
-- back into text) and not compressed (pglz spent more time than the write itself).
ALTER TABLE "sync_run_fetches" ALTER COLUMN "remotes" SET DATA TYPE json USING "remotes"::json;--> statement-breakpoint
ALTER TABLE "sync_run_fetches" ALTER COLUMN "remotes" SET STORAGE EXTERNAL;
