-- The transfer lists (the Transfers page, GET /api/v1/transfers) show the
-- newest first, a page at a time, for the tenant and optionally one state or
-- one connection (and state). Without these indexes each page sorted every
-- transfer of the tenant: the store benchmark at 1x, 10x and 100x showed a
-- page's time growing with the table. With them a page reads only its rows.
CREATE INDEX transfers_newest ON transfers (tenant_id, created_at DESC, id DESC);
CREATE INDEX transfers_state_newest ON transfers (tenant_id, state, created_at DESC, id DESC);
DROP INDEX transfers_connection;
CREATE INDEX transfers_connection ON transfers (tenant_id, connection_id, state, created_at DESC, id DESC);
