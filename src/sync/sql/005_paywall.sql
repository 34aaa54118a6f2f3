-- Invite codes are mirrored with their uses (the original never wrote uses or deactivation);
-- total_used counts every use (used_by lists the first ones). payment_events holds the
-- Stripe events acted on, so a retried webhook delivery is recognised.
ALTER TABLE invite_codes ADD COLUMN IF NOT EXISTS sync_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE invite_codes ADD COLUMN IF NOT EXISTS total_used BIGINT NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS payment_events (
    event_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id UUID REFERENCES users(user_id) ON DELETE SET NULL,
    payment_id TEXT,
    processed_at TIMESTAMP NOT NULL,
    sync_version BIGINT NOT NULL DEFAULT 0
);
