-- Referral notifications are mirrored like the other tables; intro codes get a table (the
-- original kept them in memory only).
ALTER TABLE referral_notifications ADD COLUMN IF NOT EXISTS sync_version BIGINT NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS intro_codes (
    code TEXT PRIMARY KEY,
    target_user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    target_name TEXT,
    created_by UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    created_by_name TEXT,
    created_at TIMESTAMP NOT NULL,
    sync_version BIGINT NOT NULL DEFAULT 0
);
