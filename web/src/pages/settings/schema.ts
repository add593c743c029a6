// The settings page's layout: tabs → sections → option fields (reference-management.md §6.2 and
// §5). A field is shown only when GET /api/option/ lists its key (so an option the server does
// not know is never offered); secrets (never listed) are write-only fields for keys the server
// defines in clawrouter/options/defaults.py. Labels sit here in both languages, next to the key.

export type Kind = 'text' | 'textarea' | 'number' | 'switch' | 'secret' | 'json' | 'select';
/** What a JSON field must hold: an object, an array, or an object of non-negative numbers. */
export type JsonShape = 'object' | 'array' | 'ratio';

export interface Field {
  key: string;
  kind: Kind;
  en: string;
  zh: string;
  shape?: JsonShape;
  choices?: string[];
}

/** A section's extra tools, drawn under its fields. */
export type Extra = 'resetModelRatio' | 'logCleanup' | 'ratioSync' | 'migrateConsole';

export interface Section {
  id: string;
  en: string;
  zh: string;
  fields: Field[];
  extra?: Extra;
}

export interface Tab {
  id: string;
  en: string;
  zh: string;
  sections: Section[];
}

const f = (kind: Kind) => (key: string, en: string, zh: string, more: Partial<Field> = {}): Field => ({ key, kind, en, zh, ...more });
const text = f('text');
const area = f('textarea');
const num = f('number');
const sw = f('switch');
const secret = f('secret');
const json = (key: string, en: string, zh: string, shape: JsonShape = 'object') => f('json')(key, en, zh, { shape });
const select = (key: string, en: string, zh: string, choices: string[]) => f('select')(key, en, zh, { choices });
const ratio = (key: string, en: string, zh: string) => json(key, en, zh, 'ratio');

/** The server's rule (clawrouter/options/registry.py is_secret): such keys are never listed. */
const SECRET_SUFFIXES = ['Token', 'Secret', 'Key', 'secret', 'api_key', '_token', '_key'];
const PUBLIC_KEYS = new Set(['WaffoPancakeWebhookPublicKey', 'WaffoPancakeWebhookTestKey']);
export function isSecret(key: string): boolean {
  return !PUBLIC_KEYS.has(key) && SECRET_SUFFIXES.some((s) => key.endsWith(s));
}

export const TABS: Tab[] = [
  {
    id: 'operation', en: 'Operation', zh: '运营设置',
    sections: [
      { id: 'general', en: 'General', zh: '通用设置', fields: [
        text('TopUpLink', 'Top-up link', '充值链接'),
        text('general_setting.docs_link', 'Docs link', '文档地址'),
        num('QuotaPerUnit', 'Quota units per 1 USD', '单位美元额度'),
        num('USDExchangeRate', 'USD exchange rate (for CNY display)', '美元汇率（用于人民币显示）'),
        select('general_setting.quota_display_type', 'Show amounts as', '额度展示类型', ['USD', 'CNY', 'TOKENS', 'CUSTOM']),
        text('general_setting.custom_currency_symbol', 'Custom currency symbol', '自定义货币符号'),
        num('general_setting.custom_currency_exchange_rate', 'Custom currency per 1 USD', '自定义货币汇率'),
        num('RetryTimes', 'Retries on failure', '失败重试次数'),
        sw('DisplayTokenStatEnabled', 'Show token statistics', '显示令牌统计'),
        sw('DefaultCollapseSidebar', 'Collapse the sidebar by default', '默认折叠侧边栏'),
        sw('DemoSiteEnabled', 'Demo site mode', '演示站点模式'),
        sw('SelfUseModeEnabled', 'Self-use mode', '自用模式'),
        sw('general_setting.ping_interval_enabled', 'Keep-alive pings in streams', '流式保活'),
        num('general_setting.ping_interval_seconds', 'Keep-alive interval (seconds)', '保活间隔（秒）'),
      ] },
      { id: 'quota', en: 'Quota', zh: '额度设置', fields: [
        num('QuotaForNewUser', 'Quota for a new user', '新用户初始额度'),
        num('PreConsumedQuota', 'Pre-consumed quota per request', '请求预扣费额度'),
        num('QuotaForInviter', 'Reward for the inviter', '邀请者奖励额度'),
        num('QuotaForInvitee', 'Reward for the invitee', '被邀请者奖励额度'),
        num('QuotaRemindThreshold', 'Low-balance e-mail threshold', '额度提醒阈值'),
        sw('quota_setting.enable_free_model_pre_consume', 'Pre-consume for free models', '免费模型预扣费'),
        num('token_setting.max_user_tokens', 'API keys per user (at most)', '每用户最多令牌数'),
      ] },
      { id: 'checkin', en: 'Check-in', zh: '签到设置', fields: [
        sw('checkin_setting.enabled', 'Daily check-in', '启用签到'),
        num('checkin_setting.min_quota', 'Smallest reward', '最小奖励额度'),
        num('checkin_setting.max_quota', 'Largest reward', '最大奖励额度'),
      ] },
      { id: 'monitor', en: 'Monitoring', zh: '监控设置', fields: [
        num('ChannelDisableThreshold', 'Slowest test answer (seconds)', '测试最长响应时间（秒）'),
        sw('AutomaticDisableChannelEnabled', 'Disable failing channels', '失败时自动禁用通道'),
        sw('AutomaticEnableChannelEnabled', 'Enable channels that recover', '成功时自动启用通道'),
        text('AutomaticDisableStatusCodes', 'Status codes that disable (e.g. 401,500-503)', '自动禁用状态码'),
        text('AutomaticRetryStatusCodes', 'Status codes that retry', '自动重试状态码'),
        area('AutomaticDisableKeywords', 'Error keywords that disable (one a line)', '自动禁用关键词（每行一个）'),
        sw('monitor_setting.auto_test_channel_enabled', 'Test channels periodically', '定时测试通道'),
        num('monitor_setting.auto_test_channel_minutes', 'Test interval (minutes)', '测试间隔（分钟）'),
      ] },
      { id: 'logs', en: 'Logs', zh: '日志设置', extra: 'logCleanup', fields: [
        sw('LogConsumeEnabled', 'Record usage logs', '启用额度消费日志记录'),
        sw('ErrorLogEnabled', 'Record error logs', '记录错误日志'),
      ] },
      { id: 'sensitive', en: 'Sensitive words', zh: '屏蔽词过滤设置', fields: [
        sw('CheckSensitiveEnabled', 'Check sensitive words', '启用屏蔽词过滤'),
        sw('CheckSensitiveOnPromptEnabled', 'Check prompts', '启用提示词检查'),
        sw('StopOnSensitiveEnabled', 'Stop a stream on a match', '命中时停止输出'),
        area('SensitiveWords', 'Sensitive words (one a line)', '屏蔽词（每行一个）'),
      ] },
      { id: 'drawing', en: 'Drawing and tasks', zh: '绘图与任务', fields: [
        sw('DrawingEnabled', 'Drawing (Midjourney)', '启用绘图功能'),
        sw('TaskEnabled', 'Async tasks', '启用异步任务'),
        sw('MjNotifyEnabled', 'Midjourney callbacks', '允许回调'),
        sw('MjAccountFilterEnabled', 'Midjourney account filter', '允许账户过滤'),
        sw('MjModeClearEnabled', 'Clear the mode flags from prompts', '清除提示词中的模式参数'),
        sw('MjForwardUrlEnabled', 'Forward image URLs', '转发图片地址'),
        sw('MjActionCheckSuccessEnabled', 'Check an action has succeeded', '检查操作是否成功'),
      ] },
      { id: 'modules', en: 'Header and sidebar modules', zh: '顶栏与侧边栏模块', fields: [
        area('HeaderNavModules', 'Header modules (JSON; empty = default)', '顶栏模块（JSON，留空为默认）'),
        area('SidebarModulesAdmin', 'Sidebar modules for admins (JSON; empty = default)', '管理员侧边栏模块（JSON，留空为默认）'),
      ] },
    ],
  },
  {
    id: 'dashboard', en: 'Dashboard', zh: '仪表盘设置',
    sections: [
      { id: 'apiinfo', en: 'API info', zh: 'API 信息', fields: [
        sw('console_setting.api_info_enabled', 'Show the API info panel', '显示 API 信息面板'),
        json('console_setting.api_info', 'Entries: [{"url", "route", "description", "color"}]', '条目：[{"url", "route", "description", "color"}]', 'array'),
      ] },
      { id: 'announcements', en: 'Announcements', zh: '系统公告', fields: [
        sw('console_setting.announcements_enabled', 'Show the announcements panel', '显示公告面板'),
        json('console_setting.announcements', 'Entries: [{"content", "publishDate", "type", "extra"}]', '条目：[{"content", "publishDate", "type", "extra"}]', 'array'),
      ] },
      { id: 'faq', en: 'FAQ', zh: '常见问答', fields: [
        sw('console_setting.faq_enabled', 'Show the FAQ panel', '显示常见问答面板'),
        json('console_setting.faq', 'Entries: [{"question", "answer"}]', '条目：[{"question", "answer"}]', 'array'),
      ] },
      { id: 'uptime', en: 'Uptime Kuma', zh: 'Uptime Kuma', fields: [
        sw('console_setting.uptime_kuma_enabled', 'Show the service status panel', '显示服务状态面板'),
        json('console_setting.uptime_kuma_groups', 'Status pages: [{"categoryName", "url", "slug", "description"}]', '状态页：[{"categoryName", "url", "slug", "description"}]', 'array'),
      ] },
      { id: 'legacy', en: 'Legacy console settings', zh: '旧版控制台设置', extra: 'migrateConsole', fields: [] },
      { id: 'data', en: 'Data dashboard', zh: '数据看板', fields: [
        sw('DataExportEnabled', 'Collect usage for the dashboard', '启用数据看板'),
        num('DataExportInterval', 'Aggregation interval (minutes)', '数据更新间隔（分钟）'),
        select('DataExportDefaultTime', 'Default time granularity', '默认时间粒度', ['hour', 'day', 'week']),
      ] },
    ],
  },
  {
    id: 'chats', en: 'Chats', zh: '聊天设置',
    sections: [
      { id: 'chats', en: 'Chat clients', zh: '聊天客户端', fields: [
        json('Chats', 'Links: [{"name": "url with {key} and {address}"}]', '链接：[{"名称": "含 {key} 与 {address} 的地址"}]', 'array'),
      ] },
    ],
  },
  {
    id: 'payment', en: 'Payment', zh: '支付设置',
    sections: [
      { id: 'general', en: 'Top-up', zh: '充值', fields: [
        num('Price', 'Price of 1 USD of quota (local currency)', '充值价格（本地货币/美元）'),
        num('MinTopUp', 'Smallest top-up', '最低充值数量'),
        ratio('TopupGroupRatio', 'Top-up ratio per group', '充值分组倍率'),
        json('payment_setting.amount_options', 'Amount choices', '充值数量选项', 'array'),
        json('payment_setting.amount_discount', 'Discounts per amount', '充值金额折扣'),
      ] },
      { id: 'epay', en: 'Epay', zh: '易支付', fields: [
        text('PayAddress', 'Epay address', '支付地址'),
        text('CustomCallbackAddress', 'Callback address', '回调地址'),
        text('EpayId', 'Merchant id', '商户 ID'),
        secret('EpayKey', 'Merchant key', '商户密钥'),
        json('PayMethods', 'Payment methods', '支付方式', 'array'),
      ] },
      { id: 'stripe', en: 'Stripe', zh: 'Stripe', fields: [
        secret('StripeApiSecret', 'API secret', 'API 密钥'),
        secret('StripeWebhookSecret', 'Webhook secret', 'Webhook 签名密钥'),
        text('StripePriceId', 'Price id', '价格 ID'),
        num('StripeUnitPrice', 'Unit price', '单价'),
        num('StripeMinTopUp', 'Smallest top-up', '最低充值数量'),
        sw('StripePromotionCodesEnabled', 'Allow promotion codes', '允许优惠码'),
        text('StripeApiBase', 'API base (without /v1)', 'API 地址（不含 /v1）'),
      ] },
      { id: 'creem', en: 'Creem', zh: 'Creem', fields: [
        secret('CreemApiKey', 'API key', 'API 密钥'),
        secret('CreemWebhookSecret', 'Webhook secret', 'Webhook 密钥'),
        json('CreemProducts', 'Products', '产品', 'array'),
        sw('CreemTestMode', 'Test mode', '测试模式'),
        text('CreemApiBase', 'API base (without /v1)', 'API 地址（不含 /v1）'),
      ] },
    ],
  },
  {
    id: 'ratio', en: 'Ratios', zh: '倍率设置',
    sections: [
      { id: 'models', en: 'Model prices', zh: '模型倍率', extra: 'resetModelRatio', fields: [
        ratio('ModelPrice', 'Price per call (USD)', '模型固定价格（美元/次）'),
        ratio('ModelRatio', 'Model ratio (1 = $2 per 1M input tokens)', '模型倍率（1 = 每百万输入 Token 2 美元）'),
        ratio('CompletionRatio', 'Completion ratio', '补全倍率'),
        ratio('CacheRatio', 'Cache read ratio', '缓存倍率'),
        ratio('CreateCacheRatio', 'Cache write ratio', '缓存创建倍率'),
        ratio('ImageRatio', 'Image input ratio', '图片输入倍率'),
        ratio('AudioRatio', 'Audio input ratio', '音频倍率'),
        ratio('AudioCompletionRatio', 'Audio output ratio', '音频补全倍率'),
        sw('ExposeRatioEnabled', 'Publish the ratios (/api/ratio_config)', '公开倍率接口'),
      ] },
      { id: 'groups', en: 'Groups', zh: '分组倍率', fields: [
        ratio('GroupRatio', 'Group ratio', '分组倍率'),
        json('GroupGroupRatio', 'Group ratio by the user’s group', '用户分组专属倍率'),
        json('UserUsableGroups', 'Groups users may choose', '用户可选分组'),
        json('group_ratio_setting.group_special_usable_group', 'Extra groups per user group', '分组特殊可用分组'),
        json('AutoGroups', 'Groups tried by "auto"', '自动分组', 'array'),
        sw('DefaultUseAutoGroup', 'New keys use "auto"', '新令牌默认使用自动分组'),
      ] },
      { id: 'sync', en: 'Upstream ratio sync', zh: '上游倍率同步', extra: 'ratioSync', fields: [] },
    ],
  },
  {
    id: 'ratelimit', en: 'Rate limit', zh: '速率限制',
    sections: [
      { id: 'model', en: 'Requests per user', zh: '模型请求速率限制', fields: [
        sw('ModelRequestRateLimitEnabled', 'Limit model requests', '启用用户模型请求速率限制'),
        num('ModelRequestRateLimitDurationMinutes', 'Window (minutes)', '限制周期（分钟）'),
        num('ModelRequestRateLimitCount', 'Requests per window (0 = no limit)', '周期内最多请求次数（0 为不限）'),
        num('ModelRequestRateLimitSuccessCount', 'Successful requests per window', '周期内最多成功请求次数'),
        json('ModelRequestRateLimitGroup', 'Per group: {"group": [count, success]}', '分组限制：{"分组": [次数, 成功次数]}'),
      ] },
    ],
  },
  {
    id: 'models', en: 'Models', zh: '模型相关设置',
    sections: [
      { id: 'claude', en: 'Claude', zh: 'Claude', fields: [
        json('claude.default_max_tokens', 'Default max_tokens per model', '默认最大输出 Token'),
        sw('claude.thinking_adapter_enabled', 'Thinking adapter (-thinking models)', '思考适配（-thinking 模型）'),
        num('claude.thinking_adapter_budget_tokens_percentage', 'Thinking budget (share of max_tokens)', '思考预算占比'),
      ] },
      { id: 'gemini', en: 'Gemini', zh: 'Gemini', fields: [
        sw('gemini.thinking_adapter_enabled', 'Thinking adapter', '思考适配'),
      ] },
      { id: 'global', en: 'Global', zh: '全局', fields: [
        json('global.responses_to_chat_completions_policy', 'Responses → Chat Completions policy', 'Responses 转 Chat Completions 策略'),
        num('StreamCacheQueueLength', 'Stream cache queue length', '流缓存队列长度'),
      ] },
    ],
  },
  {
    id: 'system', en: 'System', zh: '系统设置',
    sections: [
      { id: 'server', en: 'Server', zh: '通用设置', fields: [
        text('ServerAddress', 'Server address (for e-mails, OAuth and payments)', '服务器地址'),
        text('WorkerUrl', 'Worker address', 'Worker 地址'),
        secret('WorkerValidKey', 'Worker key', 'Worker 密钥'),
      ] },
      // what fetches a user controls (notification webhook, Bark, Gotify URLs) may reach
      { id: 'ssrf', en: 'SSRF protection (URLs users set)', zh: 'SSRF 防护设置', fields: [
        sw('fetch_setting.enable_ssrf_protection', 'Enable SSRF protection', '启用 SSRF 防护'),
        sw('fetch_setting.allow_private_ip', 'Allow private and loopback addresses', '允许访问私有 IP 地址'),
        sw('fetch_setting.domain_filter_mode', 'Domain list is a whitelist (off: a blacklist)', '域名过滤为白名单模式（关闭：黑名单）'),
        json('fetch_setting.domain_list', 'Domains: ["example.com", "*.example.com"]', '域名列表：["example.com", "*.example.com"]', 'array'),
        sw('fetch_setting.ip_filter_mode', 'IP list is a whitelist (off: a blacklist)', 'IP 过滤为白名单模式（关闭：黑名单）'),
        json('fetch_setting.ip_list', 'IPs and CIDRs: ["10.0.0.0/8", "2001:db8::/32"]', 'IP 列表（支持 CIDR）：["10.0.0.0/8", "2001:db8::/32"]', 'array'),
        json('fetch_setting.allowed_ports', 'Allowed ports ([] allows every port): ["80", "443", "8000-9000"]', '允许的端口（[] 表示不限制）：["80", "443", "8000-9000"]', 'array'),
        sw('fetch_setting.apply_ip_filter_for_domain', 'Check the addresses a domain resolves to', '对域名解析出的 IP 应用 IP 过滤'),
      ] },
      { id: 'login', en: 'Login and registration', zh: '配置登录注册', fields: [
        sw('PasswordLoginEnabled', 'Log in with a password', '允许通过密码进行登录'),
        sw('PasswordRegisterEnabled', 'Register with a password', '允许通过密码进行注册'),
        sw('RegisterEnabled', 'New users may register', '允许新用户注册'),
        sw('EmailVerificationEnabled', 'Verify e-mail addresses on registration', '通过密码注册时需要进行邮箱验证'),
        sw('EmailDomainRestrictionEnabled', 'Only e-mail domains in the list', '启用邮箱域名白名单'),
        sw('EmailAliasRestrictionEnabled', 'Refuse e-mail aliases (+ and .)', '启用邮箱别名限制'),
        area('EmailDomainWhitelist', 'Allowed e-mail domains (comma separated)', '允许的邮箱域名（逗号分隔）'),
      ] },
      { id: 'smtp', en: 'SMTP', zh: 'SMTP 邮箱', fields: [
        text('SMTPServer', 'SMTP server', 'SMTP 服务器地址'),
        num('SMTPPort', 'Port', '端口'),
        text('SMTPAccount', 'Account', '账户'),
        text('SMTPFrom', 'Sender address', '发送者邮箱'),
        secret('SMTPToken', 'Password or token', '访问凭证'),
        sw('SMTPSSLEnabled', 'Use SSL', '启用 SSL'),
        sw('SMTPForceAuthLogin', 'Force AUTH LOGIN', '强制 AUTH LOGIN'),
      ] },
      { id: 'github', en: 'GitHub OAuth', zh: 'GitHub OAuth', fields: [
        text('GitHubClientId', 'Client id', 'Client ID'),
        secret('GitHubClientSecret', 'Client secret', 'Client Secret'),
        sw('GitHubOAuthEnabled', 'Log in with GitHub', '允许通过 GitHub 登录'),
      ] },
      { id: 'discord', en: 'Discord OAuth', zh: 'Discord OAuth', fields: [
        text('discord.client_id', 'Client id', 'Client ID'),
        secret('discord.client_secret', 'Client secret', 'Client Secret'),
        sw('discord.enabled', 'Log in with Discord', '允许通过 Discord 登录'),
      ] },
      { id: 'oidc', en: 'OIDC', zh: 'OIDC', fields: [
        text('oidc.well_known', 'Well-known URL', 'Well-Known URL'),
        text('oidc.client_id', 'Client id', 'Client ID'),
        secret('oidc.client_secret', 'Client secret', 'Client Secret'),
        text('oidc.authorization_endpoint', 'Authorization endpoint', '授权端点'),
        text('oidc.token_endpoint', 'Token endpoint', 'Token 端点'),
        text('oidc.user_info_endpoint', 'User info endpoint', '用户信息端点'),
        sw('oidc.enabled', 'Log in with OIDC', '允许通过 OIDC 登录'),
      ] },
      { id: 'linuxdo', en: 'LinuxDO OAuth', zh: 'LinuxDO OAuth', fields: [
        text('LinuxDOClientId', 'Client id', 'Client ID'),
        secret('LinuxDOClientSecret', 'Client secret', 'Client Secret'),
        num('LinuxDOMinimumTrustLevel', 'Minimum trust level', '最低信任等级'),
        sw('LinuxDOOAuthEnabled', 'Log in with LinuxDO', '允许通过 LinuxDO 登录'),
      ] },
      { id: 'wechat', en: 'WeChat', zh: '微信', fields: [
        text('WeChatServerAddress', 'WeChat server address', 'WeChat Server 服务器地址'),
        secret('WeChatServerToken', 'WeChat server token', 'WeChat Server 访问凭证'),
        text('WeChatAccountQRCodeImageURL', 'Official account QR code image URL', '微信公众号二维码图片链接'),
        sw('WeChatAuthEnabled', 'Log in with WeChat', '允许通过微信登录'),
      ] },
      { id: 'telegram', en: 'Telegram', zh: 'Telegram', fields: [
        text('TelegramBotName', 'Bot name', 'Bot 名称'),
        secret('TelegramBotToken', 'Bot token', 'Bot Token'),
        sw('TelegramOAuthEnabled', 'Log in with Telegram', '允许通过 Telegram 登录'),
      ] },
      { id: 'turnstile', en: 'Turnstile', zh: 'Turnstile', fields: [
        secret('TurnstileSiteKey', 'Site key', 'Site Key'),
        secret('TurnstileSecretKey', 'Secret key', 'Secret Key'),
        sw('TurnstileCheckEnabled', 'Check Turnstile on login and registration', '启用 Turnstile 用户校验'),
      ] },
      { id: 'passkey', en: 'Passkeys', zh: 'Passkey', fields: [
        sw('passkey.enabled', 'Log in with a passkey', '允许通过 Passkey 登录'),
        text('passkey.rp_display_name', 'Site name shown by the browser', '服务显示名称'),
        text('passkey.rp_id', 'Relying party id (domain)', '网站域名标识'),
        text('passkey.origins', 'Allowed origins (comma separated)', '允许的来源（逗号分隔）'),
        sw('passkey.allow_insecure_origin', 'Allow http:// origins', '允许不安全的来源'),
        select('passkey.user_verification', 'User verification', '用户验证要求', ['preferred', 'required', 'discouraged']),
        select('passkey.attachment_preference', 'Authenticator type (empty = any)', '设备类型偏好（留空为任意）', ['', 'platform', 'cross-platform']),
      ] },
    ],
  },
  {
    id: 'other', en: 'Other', zh: '其他设置',
    sections: [
      { id: 'site', en: 'Site', zh: '个性化设置', fields: [
        text('SystemName', 'System name', '系统名称'),
        text('Logo', 'Logo image URL', 'Logo 图片地址'),
        area('Footer', 'Footer (HTML)', '页脚（HTML）'),
      ] },
      { id: 'content', en: 'Content', zh: '内容', fields: [
        area('Notice', 'Notice (Markdown, shown as a popup)', '公告（Markdown，弹窗显示）'),
        area('HomePageContent', 'Home page (Markdown, or a URL shown in a frame)', '首页内容（Markdown，或以框架显示的网址）'),
        area('About', 'About (Markdown, or a URL)', '关于（Markdown，或网址）'),
        area('legal.user_agreement', 'User agreement', '用户协议'),
        area('legal.privacy_policy', 'Privacy policy', '隐私政策'),
      ] },
    ],
  },
];
