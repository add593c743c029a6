-- ClawRouter main store: the whole product's schema (columns and codes follow new-api).
-- Times are unix seconds; deleted_at NULL = alive (soft delete); booleans are 0/1.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    role INTEGER NOT NULL DEFAULT 1,
    status INTEGER NOT NULL DEFAULT 1,
    email TEXT NOT NULL DEFAULT '',
    github_id TEXT NOT NULL DEFAULT '',
    discord_id TEXT NOT NULL DEFAULT '',
    oidc_id TEXT NOT NULL DEFAULT '',
    wechat_id TEXT NOT NULL DEFAULT '',
    telegram_id TEXT NOT NULL DEFAULT '',
    linux_do_id TEXT NOT NULL DEFAULT '',
    access_token TEXT UNIQUE,
    quota INTEGER NOT NULL DEFAULT 0,
    used_quota INTEGER NOT NULL DEFAULT 0,
    request_count INTEGER NOT NULL DEFAULT 0,
    "group" TEXT NOT NULL DEFAULT 'default',
    aff_code TEXT UNIQUE,
    aff_count INTEGER NOT NULL DEFAULT 0,
    aff_quota INTEGER NOT NULL DEFAULT 0,
    aff_history INTEGER NOT NULL DEFAULT 0,
    inviter_id INTEGER NOT NULL DEFAULT 0,
    setting TEXT NOT NULL DEFAULT '',
    remark TEXT NOT NULL DEFAULT '',
    stripe_customer TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL DEFAULT 0,
    last_login_at INTEGER NOT NULL DEFAULT 0,
    deleted_at INTEGER
);
CREATE INDEX idx_users_email ON users(email);
CREATE INDEX idx_users_display_name ON users(display_name);
CREATE INDEX idx_users_inviter ON users(inviter_id);
CREATE INDEX idx_users_deleted ON users(deleted_at);

CREATE TABLE tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    "key" TEXT NOT NULL UNIQUE,
    status INTEGER NOT NULL DEFAULT 1,
    name TEXT NOT NULL DEFAULT '',
    created_time INTEGER NOT NULL DEFAULT 0,
    accessed_time INTEGER NOT NULL DEFAULT 0,
    expired_time INTEGER NOT NULL DEFAULT -1,
    remain_quota INTEGER NOT NULL DEFAULT 0,
    unlimited_quota INTEGER NOT NULL DEFAULT 0,
    model_limits_enabled INTEGER NOT NULL DEFAULT 0,
    model_limits TEXT NOT NULL DEFAULT '',
    allow_ips TEXT NOT NULL DEFAULT '',
    used_quota INTEGER NOT NULL DEFAULT 0,
    "group" TEXT NOT NULL DEFAULT '',
    cross_group_retry INTEGER NOT NULL DEFAULT 0,
    auto_groups TEXT NOT NULL DEFAULT '',
    deleted_at INTEGER
);
CREATE INDEX idx_tokens_user ON tokens(user_id);
CREATE INDEX idx_tokens_name ON tokens(name);

CREATE TABLE channels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type INTEGER NOT NULL DEFAULT 0,
    "key" TEXT NOT NULL,
    openai_organization TEXT,
    test_model TEXT,
    status INTEGER NOT NULL DEFAULT 1,
    name TEXT NOT NULL DEFAULT '',
    weight INTEGER NOT NULL DEFAULT 0,
    created_time INTEGER NOT NULL DEFAULT 0,
    test_time INTEGER NOT NULL DEFAULT 0,
    response_time INTEGER NOT NULL DEFAULT 0,
    base_url TEXT NOT NULL DEFAULT '',
    other TEXT NOT NULL DEFAULT '',
    balance REAL NOT NULL DEFAULT 0,
    balance_updated_time INTEGER NOT NULL DEFAULT 0,
    models TEXT NOT NULL DEFAULT '',
    "group" TEXT NOT NULL DEFAULT 'default',
    used_quota INTEGER NOT NULL DEFAULT 0,
    model_mapping TEXT,
    status_code_mapping TEXT NOT NULL DEFAULT '',
    priority INTEGER NOT NULL DEFAULT 0,
    auto_ban INTEGER NOT NULL DEFAULT 1,
    other_info TEXT NOT NULL DEFAULT '',
    tag TEXT,
    setting TEXT,
    param_override TEXT,
    header_override TEXT,
    remark TEXT,
    channel_info TEXT NOT NULL DEFAULT '{}',
    settings TEXT NOT NULL DEFAULT ''
);
CREATE INDEX idx_channels_name ON channels(name);
CREATE INDEX idx_channels_tag ON channels(tag);

CREATE TABLE abilities (
    "group" TEXT NOT NULL,
    model TEXT NOT NULL,
    channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    enabled INTEGER NOT NULL DEFAULT 1,
    priority INTEGER NOT NULL DEFAULT 0,
    weight INTEGER NOT NULL DEFAULT 0,
    tag TEXT,
    PRIMARY KEY ("group", model, channel_id)
);
CREATE INDEX idx_abilities_channel ON abilities(channel_id);
CREATE INDEX idx_abilities_model ON abilities(model);

CREATE TABLE options (
    "key" TEXT PRIMARY KEY,
    value TEXT NOT NULL DEFAULT ''
);

CREATE TABLE redemptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL DEFAULT 0,
    "key" TEXT NOT NULL UNIQUE,
    status INTEGER NOT NULL DEFAULT 1,
    name TEXT NOT NULL DEFAULT '',
    quota INTEGER NOT NULL DEFAULT 100,
    created_time INTEGER NOT NULL DEFAULT 0,
    redeemed_time INTEGER NOT NULL DEFAULT 0,
    used_user_id INTEGER NOT NULL DEFAULT 0,
    expired_time INTEGER NOT NULL DEFAULT 0,
    deleted_at INTEGER
);
CREATE INDEX idx_redemptions_name ON redemptions(name);

CREATE TABLE top_ups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    amount INTEGER NOT NULL DEFAULT 0,
    money REAL NOT NULL DEFAULT 0,
    trade_no TEXT NOT NULL UNIQUE,
    payment_method TEXT NOT NULL DEFAULT '',
    payment_provider TEXT NOT NULL DEFAULT '',
    create_time INTEGER NOT NULL DEFAULT 0,
    complete_time INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending'
);
CREATE INDEX idx_top_ups_user ON top_ups(user_id);

CREATE TABLE vendors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    icon TEXT NOT NULL DEFAULT '',
    status INTEGER NOT NULL DEFAULT 1,
    created_time INTEGER NOT NULL DEFAULT 0,
    updated_time INTEGER NOT NULL DEFAULT 0,
    deleted_at INTEGER
);
CREATE UNIQUE INDEX uq_vendors_name ON vendors(name) WHERE deleted_at IS NULL;

CREATE TABLE models (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model_name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    icon TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    vendor_id INTEGER NOT NULL DEFAULT 0,
    endpoints TEXT NOT NULL DEFAULT '',
    status INTEGER NOT NULL DEFAULT 1,
    sync_official INTEGER NOT NULL DEFAULT 1,
    name_rule INTEGER NOT NULL DEFAULT 0,
    created_time INTEGER NOT NULL DEFAULT 0,
    updated_time INTEGER NOT NULL DEFAULT 0,
    deleted_at INTEGER
);
CREATE UNIQUE INDEX uq_models_name ON models(model_name) WHERE deleted_at IS NULL;
CREATE INDEX idx_models_vendor ON models(vendor_id);

CREATE TABLE prefill_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT 'model',
    items TEXT NOT NULL DEFAULT '[]',
    description TEXT NOT NULL DEFAULT '',
    created_time INTEGER NOT NULL DEFAULT 0,
    updated_time INTEGER NOT NULL DEFAULT 0,
    deleted_at INTEGER
);
CREATE UNIQUE INDEX uq_prefill_groups_name ON prefill_groups(name) WHERE deleted_at IS NULL;

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL DEFAULT 0,
    task_id TEXT NOT NULL DEFAULT '',
    platform TEXT NOT NULL DEFAULT '',
    user_id INTEGER NOT NULL DEFAULT 0,
    "group" TEXT NOT NULL DEFAULT '',
    channel_id INTEGER NOT NULL DEFAULT 0,
    quota INTEGER NOT NULL DEFAULT 0,
    action TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'NOT_START',
    fail_reason TEXT NOT NULL DEFAULT '',
    submit_time INTEGER NOT NULL DEFAULT 0,
    start_time INTEGER NOT NULL DEFAULT 0,
    finish_time INTEGER NOT NULL DEFAULT 0,
    progress TEXT NOT NULL DEFAULT '',
    properties TEXT NOT NULL DEFAULT '{}',
    private_data TEXT NOT NULL DEFAULT '{}',
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX idx_tasks_task_id ON tasks(task_id);
CREATE INDEX idx_tasks_user ON tasks(user_id);
CREATE INDEX idx_tasks_status ON tasks(status);

CREATE TABLE midjourneys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code INTEGER NOT NULL DEFAULT 0,
    user_id INTEGER NOT NULL DEFAULT 0,
    action TEXT NOT NULL DEFAULT '',
    mj_id TEXT NOT NULL DEFAULT '',
    prompt TEXT NOT NULL DEFAULT '',
    prompt_en TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT '',
    submit_time INTEGER NOT NULL DEFAULT 0,
    start_time INTEGER NOT NULL DEFAULT 0,
    finish_time INTEGER NOT NULL DEFAULT 0,
    image_url TEXT NOT NULL DEFAULT '',
    video_url TEXT NOT NULL DEFAULT '',
    video_urls TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT '',
    progress TEXT NOT NULL DEFAULT '',
    fail_reason TEXT NOT NULL DEFAULT '',
    channel_id INTEGER NOT NULL DEFAULT 0,
    quota INTEGER NOT NULL DEFAULT 0,
    buttons TEXT NOT NULL DEFAULT '',
    properties TEXT NOT NULL DEFAULT ''
);
CREATE INDEX idx_midjourneys_user ON midjourneys(user_id);
CREATE INDEX idx_midjourneys_mj_id ON midjourneys(mj_id);

CREATE TABLE two_fas (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    is_enabled INTEGER NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    last_used_at INTEGER,
    created_at INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL DEFAULT 0,
    deleted_at INTEGER
);

CREATE TABLE two_fa_backup_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    is_used INTEGER NOT NULL DEFAULT 0,
    used_at INTEGER,
    created_at INTEGER NOT NULL DEFAULT 0,
    deleted_at INTEGER
);
CREATE INDEX idx_backup_codes_user ON two_fa_backup_codes(user_id);

CREATE TABLE passkey_credentials (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,
    public_key TEXT NOT NULL,
    attestation_type TEXT NOT NULL DEFAULT '',
    aaguid TEXT NOT NULL DEFAULT '',
    sign_count INTEGER NOT NULL DEFAULT 0,
    clone_warning INTEGER NOT NULL DEFAULT 0,
    user_present INTEGER NOT NULL DEFAULT 0,
    user_verified INTEGER NOT NULL DEFAULT 0,
    backup_eligible INTEGER NOT NULL DEFAULT 0,
    backup_state INTEGER NOT NULL DEFAULT 0,
    transports TEXT NOT NULL DEFAULT '',
    attachment TEXT NOT NULL DEFAULT '',
    last_used_at INTEGER,
    created_at INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL DEFAULT 0,
    deleted_at INTEGER
);

CREATE TABLE setups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    version TEXT NOT NULL DEFAULT '',
    initialized_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE checkins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    checkin_date TEXT NOT NULL,
    quota_awarded INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL DEFAULT 0,
    UNIQUE (user_id, checkin_date)
);

-- Email verification codes and password-reset tokens (the reference keeps these in memory).
CREATE TABLE verification_codes (
    purpose TEXT NOT NULL,
    subject TEXT NOT NULL,
    code TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (purpose, subject)
);

-- Conversations kept for the Responses API's previous_response_id on converted channels.
CREATE TABLE stored_responses (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    messages TEXT NOT NULL
);
CREATE INDEX idx_stored_responses_created ON stored_responses(created_at);
