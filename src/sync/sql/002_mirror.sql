-- What the mirror needs beyond the original schema.
-- 1. chat_history holds one row per participant: the original's primary key on session_id
--    alone kept only the first participant's row (§7.20).
DO $$ BEGIN
    IF EXISTS (
        SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        WHERE c.relname = 'chat_history' AND i.indisprimary AND i.indnatts = 1
    ) THEN
        ALTER TABLE chat_history DROP CONSTRAINT chat_history_pkey;
        ALTER TABLE chat_history ADD PRIMARY KEY (session_id, user_id);
    END IF;
END $$;
-- 2. sync_version: the store's change sequence number of the row's last change. An upsert
--    applies only if it is newer, so a replayed or delayed change never overwrites a newer one.
ALTER TABLE users ADD COLUMN IF NOT EXISTS sync_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS sync_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE chat_history ADD COLUMN IF NOT EXISTS sync_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE session_completions ADD COLUMN IF NOT EXISTS sync_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cooldowns ADD COLUMN IF NOT EXISTS sync_version BIGINT NOT NULL DEFAULT 0;
