-- Reports, ban records and IP bans are mirrored like the other tables (sync_version guards
-- each upsert). ban_records.reviewer says who reviewed as the API does: an admin's username
-- (no users row, so reviewed_by stays NULL) or a granted user's id.
ALTER TABLE reports ADD COLUMN IF NOT EXISTS sync_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ban_records ADD COLUMN IF NOT EXISTS sync_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ban_records ADD COLUMN IF NOT EXISTS reviewer TEXT;
ALTER TABLE ip_bans ADD COLUMN IF NOT EXISTS sync_version BIGINT NOT NULL DEFAULT 0;
