-- The users' recorded client addresses (bans need them): one row per user, the last few
-- distinct addresses with when each was last seen, most recent first.
CREATE TABLE IF NOT EXISTS user_ip_addresses (
    user_id UUID PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
    addresses JSONB NOT NULL DEFAULT '[]',
    sync_version BIGINT NOT NULL DEFAULT 0
);
