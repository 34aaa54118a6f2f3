-- The original Napalm Sky schema (schema.sql + migration-security-features.sql), so existing
-- admin SQL and analytics keep working. IF NOT EXISTS: an existing original database is
-- adopted as it is; 002 then fixes what was broken.
CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE IF NOT EXISTS users (
    user_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(255) NOT NULL,
    gender VARCHAR(20) NOT NULL CHECK (gender IN ('female', 'male', 'nonbinary', 'unspecified')),
    account_type VARCHAR(20) NOT NULL CHECK (account_type IN ('guest', 'permanent')),
    email VARCHAR(255) UNIQUE,
    password_hash VARCHAR(255),
    selfie_url TEXT,
    video_url TEXT,
    socials JSONB DEFAULT '{}',
    timer_total_seconds INT DEFAULT 0,
    session_count INT DEFAULT 0,
    last_sessions JSONB DEFAULT '[]',
    streak_days INT DEFAULT 0,
    referral_code VARCHAR(50),
    referred_by UUID REFERENCES users(user_id),
    introduced_to UUID REFERENCES users(user_id),
    introduced_via_code VARCHAR(50),
    introduced_by UUID REFERENCES users(user_id),
    paid_status VARCHAR(20) DEFAULT 'unpaid',
    paid_at TIMESTAMP,
    payment_id VARCHAR(255),
    invite_code_used VARCHAR(20),
    my_invite_code VARCHAR(20),
    invite_code_uses_remaining INT DEFAULT 0,
    qr_unlocked BOOLEAN DEFAULT FALSE,
    successful_sessions INT DEFAULT 0,
    qr_unlocked_at TIMESTAMP,
    ban_status VARCHAR(20) DEFAULT 'none' CHECK (ban_status IN ('none', 'temporary', 'permanent', 'vindicated')),
    banned_at TIMESTAMP,
    banned_reason TEXT,
    review_status VARCHAR(30),
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW()
);
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'users_paid_status_check') THEN
        ALTER TABLE users ADD CONSTRAINT users_paid_status_check
            CHECK (paid_status IN ('unpaid', 'paid', 'qr_verified', 'qr_grace_period'));
    END IF;
END $$;
CREATE INDEX IF NOT EXISTS idx_users_email ON users(email);
CREATE INDEX IF NOT EXISTS idx_users_paid_status ON users(paid_status);
CREATE INDEX IF NOT EXISTS idx_users_ban_status ON users(ban_status);
CREATE INDEX IF NOT EXISTS idx_users_created_at ON users(created_at);
CREATE INDEX IF NOT EXISTS idx_users_my_invite_code ON users(my_invite_code);

CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS update_users_updated_at ON users;
CREATE TRIGGER update_users_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE IF NOT EXISTS sessions (
    session_token UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    ip_address INET,
    device_info TEXT,
    is_active BOOLEAN DEFAULT TRUE,
    created_at TIMESTAMP DEFAULT NOW(),
    expires_at TIMESTAMP NOT NULL,
    last_active_at TIMESTAMP DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_sessions_user_id ON sessions(user_id);
CREATE INDEX IF NOT EXISTS idx_sessions_expires_at ON sessions(expires_at);
CREATE INDEX IF NOT EXISTS idx_sessions_is_active ON sessions(is_active) WHERE is_active = TRUE;
CREATE INDEX IF NOT EXISTS idx_sessions_user_active ON sessions(user_id, is_active) WHERE is_active = TRUE;

CREATE TABLE IF NOT EXISTS chat_history (
    session_id VARCHAR(255) PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    partner_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    partner_name VARCHAR(255),
    room_id UUID NOT NULL,
    started_at TIMESTAMP NOT NULL,
    duration INT NOT NULL,
    messages JSONB DEFAULT '[]',
    created_at TIMESTAMP DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_chat_history_user_id ON chat_history(user_id);
CREATE INDEX IF NOT EXISTS idx_chat_history_partner_id ON chat_history(partner_id);
CREATE INDEX IF NOT EXISTS idx_chat_history_started_at ON chat_history(started_at);

CREATE TABLE IF NOT EXISTS session_completions (
    id SERIAL PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    partner_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    room_id UUID NOT NULL,
    duration_seconds INT NOT NULL CHECK (duration_seconds > 0),
    completed_at TIMESTAMP DEFAULT NOW(),
    CONSTRAINT unique_session_completion UNIQUE (user_id, room_id)
);
CREATE INDEX IF NOT EXISTS idx_session_completions_user_id ON session_completions(user_id);
CREATE INDEX IF NOT EXISTS idx_session_completions_completed_at ON session_completions(completed_at);

CREATE TABLE IF NOT EXISTS cooldowns (
    id SERIAL PRIMARY KEY,
    user_id_1 UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    user_id_2 UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP DEFAULT NOW(),
    CHECK (user_id_1 < user_id_2),
    UNIQUE (user_id_1, user_id_2)
);
CREATE INDEX IF NOT EXISTS idx_cooldowns_expires_at ON cooldowns(expires_at);
CREATE INDEX IF NOT EXISTS idx_cooldowns_user_id_1 ON cooldowns(user_id_1);
CREATE INDEX IF NOT EXISTS idx_cooldowns_user_id_2 ON cooldowns(user_id_2);

CREATE TABLE IF NOT EXISTS invite_codes (
    code VARCHAR(20) PRIMARY KEY,
    created_by UUID REFERENCES users(user_id) ON DELETE SET NULL,
    created_by_name VARCHAR(255),
    created_at TIMESTAMP DEFAULT NOW(),
    type VARCHAR(20) NOT NULL CHECK (type IN ('user', 'admin')),
    max_uses INT NOT NULL,
    uses_remaining INT NOT NULL,
    used_by JSONB DEFAULT '[]',
    is_active BOOLEAN DEFAULT TRUE
);
CREATE INDEX IF NOT EXISTS idx_invite_codes_created_by ON invite_codes(created_by);
CREATE INDEX IF NOT EXISTS idx_invite_codes_type ON invite_codes(type);
CREATE INDEX IF NOT EXISTS idx_invite_codes_is_active ON invite_codes(is_active);

CREATE TABLE IF NOT EXISTS reports (
    report_id UUID PRIMARY KEY,
    reported_user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    reported_user_name VARCHAR(255),
    reported_user_selfie TEXT,
    reported_user_video TEXT,
    reporter_user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    reporter_name VARCHAR(255),
    reporter_ip INET,
    reason TEXT,
    room_id UUID,
    timestamp TIMESTAMP DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_reports_reported_user ON reports(reported_user_id);
CREATE INDEX IF NOT EXISTS idx_reports_reporter ON reports(reporter_user_id);
CREATE INDEX IF NOT EXISTS idx_reports_timestamp ON reports(timestamp);

CREATE TABLE IF NOT EXISTS ban_records (
    user_id UUID PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
    user_name VARCHAR(255),
    user_selfie TEXT,
    user_video TEXT,
    ban_status VARCHAR(20) NOT NULL CHECK (ban_status IN ('none', 'temporary', 'permanent', 'vindicated')),
    banned_at TIMESTAMP NOT NULL,
    banned_reason TEXT NOT NULL,
    report_count INT DEFAULT 0,
    review_status VARCHAR(30),
    reviewed_at TIMESTAMP,
    reviewed_by UUID REFERENCES users(user_id),
    ip_addresses JSONB DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS idx_ban_records_status ON ban_records(ban_status);
CREATE INDEX IF NOT EXISTS idx_ban_records_review ON ban_records(review_status);

CREATE TABLE IF NOT EXISTS ip_bans (
    ip_address INET PRIMARY KEY,
    banned_at TIMESTAMP DEFAULT NOW(),
    user_id UUID REFERENCES users(user_id) ON DELETE SET NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_ip_bans_user_id ON ip_bans(user_id);

CREATE TABLE IF NOT EXISTS referral_notifications (
    id UUID PRIMARY KEY,
    for_user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    referred_user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    introduced_by UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    referred_name VARCHAR(255),
    introduced_by_name VARCHAR(255),
    timestamp TIMESTAMP DEFAULT NOW(),
    read BOOLEAN DEFAULT FALSE
);
CREATE INDEX IF NOT EXISTS idx_referral_notifications_for_user ON referral_notifications(for_user_id);
CREATE INDEX IF NOT EXISTS idx_referral_notifications_read ON referral_notifications(read);
CREATE INDEX IF NOT EXISTS idx_referral_notifications_timestamp ON referral_notifications(timestamp);

CREATE TABLE IF NOT EXISTS audit_log (
    id SERIAL PRIMARY KEY,
    event_type VARCHAR(50) NOT NULL,
    user_id UUID REFERENCES users(user_id) ON DELETE SET NULL,
    ip_address INET,
    details JSONB,
    timestamp TIMESTAMP DEFAULT NOW()
);
