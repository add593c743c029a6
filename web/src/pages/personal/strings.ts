// The personal settings page's strings (namespace "personal"), English and Chinese, and the
// shape of GET /api/user/self it reads.
export const S = {
  en: {
    title: 'Personal settings',
    description: 'Your profile, sign-in security, notifications and invites.',
    balance: 'Balance', used: 'Used so far', requests: 'Requests so far',
    profileTitle: 'Profile', username: 'Username', displayName: 'Display name', displayNameHint: 'Shown in the console instead of your username (at most 20 characters).',
    group: 'Group', role: 'Role', email: 'Email', noEmail: 'No email bound', saved: 'Saved.',
    bindEmail: 'Bind an email', changeEmail: 'Change email', emailTitle: 'Bind an email address',
    emailAddress: 'Email address', sendCode: 'Send code', resend: 'Send again ({{s}} s)', codeSent: 'A code was sent to {{email}}. It is valid for 10 minutes.',
    waitTurnstile: 'Wait for the anti-bot check to finish, then send the code.', mailCode: 'Verification code', mailCodeHint: 'The 6-character code from the mail.', bind: 'Bind', emailBound: 'Your email is now {{email}}.',
    passwordTitle: 'Password', oldPassword: 'Current password', oldPasswordHint: 'Leave it empty only if your account has no password yet (you signed up with an outside account).', newPassword: 'New password', newPasswordHint: '8 to 20 characters.',
    repeatPassword: 'Repeat the new password', mismatch: 'The two new passwords differ.', changePassword: 'Change password',
    passwordNote: 'Changing the password logs out your other sessions and revokes your access token; this browser stays logged in.',
    passwordChanged: 'Password changed. Your other sessions have ended.',
    tokenTitle: 'Access token', tokenHint: 'For scripts that call the management API: send it as "Authorization: Bearer <token>" with "New-Api-User: {{id}}".',
    tokenWarn: 'Generating a token replaces the old one: scripts using it stop working.', generate: 'Generate a token', regenerate: 'Generate a new token',
    tokenOnce: 'Copy it now: it is shown only once.', copyToken: 'Copy the token',
    twofaTitle: 'Two-factor authentication', twofaOff: 'Off', twofaOn: 'On', twofaHint: 'Ask for a code from an authenticator app after the password.',
    twofaLocked: 'Too many wrong codes: two-factor checks are locked for a few minutes.', backupLeft: 'Backup codes left: {{count}}',
    setup: 'Set up', disable2fa: 'Turn off', regenCodes: 'New backup codes',
    setupTitle: 'Set up two-factor authentication', step1: '1. Scan the QR code with your authenticator app (Google Authenticator, Aegis, 1Password, ...).',
    qrLabel: 'QR code for your authenticator app', manual: 'Or enter this key by hand:', secretLabel: 'Secret key', copySecret: 'Copy the key',
    step2: '2. Keep these backup codes somewhere safe. Each one logs you in once instead of a code.',
    copyCodes: 'Copy the codes', downloadCodes: 'Download', step3: '3. Enter the 6-digit code your app shows now.',
    code: 'Authentication code', codeOrBackup: 'Authentication code or backup code', enable2fa: 'Turn on',
    enabled2fa: 'Two-factor authentication is on.', disabled2fa: 'Two-factor authentication is off.',
    disableTitle: 'Turn off two-factor authentication', disableHint: 'Enter a code from your app or one of your backup codes.',
    regenTitle: 'New backup codes', regenHint: 'Enter a code from your app (not a backup code). The old backup codes stop working.',
    newCodes: 'Your new backup codes:', makeCodes: 'Make new codes',
    passkeyTitle: 'Passkey', passkeyHint: 'Log in with Face ID, Touch ID, Windows Hello, a phone or a security key instead of a password.',
    passkeyOff: 'Passkeys are switched off on this gateway.', passkeyNone: 'No passkey registered.', passkeyLast: 'Registered; last used {{when}}.',
    never: 'never', registerPasskey: 'Register a passkey', removePasskey: 'Remove',
    passkeyAdded: 'Passkey registered.', passkeyRemoved: 'Passkey removed.', removePasskeyAsk: 'Remove your passkey? You will no longer be able to log in with it.',
    passkeyCancelled: 'The passkey registration was cancelled or timed out.', noPasskeySupport: 'This browser cannot use passkeys here (it needs HTTPS or localhost).',
    bindingsTitle: 'Sign-in bindings', bound: 'Bound', notBound: 'Not bound', bindWith: 'Bind', bindingsHint: 'Accounts elsewhere that can log you in. To remove a binding, ask an administrator.',
    noProviders: 'No outside sign-in is enabled on this gateway.', wechatTitle: 'Bind WeChat', wechatHint: 'Scan the QR code with WeChat, send the official account a message, and enter the code it answers.',
    wechatCode: 'WeChat code', wechatBound: 'WeChat is bound.', telegramHint: 'Log in with Telegram below to bind it.', telegramFailed: 'The Telegram login widget could not load.',
    notifyTitle: 'Notifications', notifyHint: 'Where to tell you when your balance runs low.', notifyType: 'Notify by',
    viaEmail: 'Email', viaWebhook: 'Webhook', viaBark: 'Bark', viaGotify: 'Gotify',
    threshold: 'Warn below (quota)', thresholdHint: 'A warning is sent when the balance drops below this much quota ({{value}}).',
    notifyEmail: 'Notification email', notifyEmailHint: 'Empty: the email bound to your account.',
    webhookUrl: 'Webhook URL', webhookSecret: 'Webhook secret', webhookSecretHint: 'Sent as "Authorization: Bearer <secret>"; optional.',
    barkUrl: 'Bark URL', barkHint: 'Such as https://api.day.app/<key>/{{title}}/{{content}}.',
    gotifyUrl: 'Gotify server URL', gotifyToken: 'Gotify application token', gotifyPriority: 'Gotify priority (0 to 10)',
    otherTitle: 'Other preferences', acceptUnset: 'Accept models without a price', acceptUnsetHint: 'Allow calls to models that have no ratio set (billed at no cost).',
    recordIp: 'Record IP addresses', recordIpHint: 'Write the client IP into your usage logs.',
    modelNotify: 'Upstream model updates', modelNotifyHint: 'Tell me when an upstream offers new or removed models (admins).',
    saveSettings: 'Save settings', settingsSaved: 'Settings saved.',
    inviteTitle: 'Invites',
    dangerTitle: 'Delete account', dangerHint: 'Deleting your account ends every session and cannot be undone from the console.',
    deleteAccount: 'Delete my account', rootNoDelete: 'The root user cannot delete itself.',
    deleteAsk: 'Type your username "{{name}}" to confirm.', confirmName: 'Username', deleted: 'Your account was deleted.',
  },
  zh: {
    title: '个人设置',
    description: '你的资料、登录安全、通知和邀请。',
    balance: '当前余额', used: '历史消耗', requests: '请求次数',
    profileTitle: '个人资料', username: '用户名', displayName: '显示名称', displayNameHint: '在控制台中代替用户名显示（最多 20 个字符）。',
    group: '分组', role: '角色', email: '邮箱', noEmail: '未绑定邮箱', saved: '已保存。',
    bindEmail: '绑定邮箱', changeEmail: '更换邮箱', emailTitle: '绑定邮箱地址',
    emailAddress: '邮箱地址', sendCode: '发送验证码', resend: '重新发送（{{s}} 秒）', codeSent: '验证码已发送到 {{email}}，10 分钟内有效。',
    waitTurnstile: '请等待人机验证完成后再发送验证码。', mailCode: '验证码', mailCodeHint: '邮件中的 6 位验证码。', bind: '绑定', emailBound: '你的邮箱已更新为 {{email}}。',
    passwordTitle: '密码', oldPassword: '当前密码', oldPasswordHint: '仅当账户还没有密码（通过第三方账号注册）时留空。', newPassword: '新密码', newPasswordHint: '8 到 20 个字符。',
    repeatPassword: '再次输入新密码', mismatch: '两次输入的新密码不一致。', changePassword: '修改密码',
    passwordNote: '修改密码会退出你的其他会话并作废访问令牌；当前浏览器保持登录。',
    passwordChanged: '密码已修改，其他会话已退出。',
    tokenTitle: '访问令牌', tokenHint: '供调用管理 API 的脚本使用：以 "Authorization: Bearer <令牌>" 发送，并带上 "New-Api-User: {{id}}"。',
    tokenWarn: '生成新令牌会替换旧令牌，使用旧令牌的脚本将失效。', generate: '生成令牌', regenerate: '重新生成令牌',
    tokenOnce: '请立即复制：令牌只显示这一次。', copyToken: '复制令牌',
    twofaTitle: '两步验证', twofaOff: '未开启', twofaOn: '已开启', twofaHint: '登录时在密码之后再输入验证器应用中的代码。',
    twofaLocked: '错误代码过多，两步验证已锁定几分钟。', backupLeft: '剩余备用码：{{count}}',
    setup: '设置', disable2fa: '关闭', regenCodes: '重新生成备用码',
    setupTitle: '设置两步验证', step1: '1. 用验证器应用（Google Authenticator、Aegis、1Password 等）扫描二维码。',
    qrLabel: '验证器应用的二维码', manual: '或手动输入此密钥：', secretLabel: '密钥', copySecret: '复制密钥',
    step2: '2. 将这些备用码保存在安全的地方。每个备用码可代替验证码登录一次。',
    copyCodes: '复制备用码', downloadCodes: '下载', step3: '3. 输入应用当前显示的 6 位代码。',
    code: '验证码', codeOrBackup: '验证码或备用码', enable2fa: '开启',
    enabled2fa: '两步验证已开启。', disabled2fa: '两步验证已关闭。',
    disableTitle: '关闭两步验证', disableHint: '输入验证器应用中的代码或一个备用码。',
    regenTitle: '重新生成备用码', regenHint: '输入验证器应用中的代码（不能用备用码）。旧的备用码将失效。',
    newCodes: '你的新备用码：', makeCodes: '生成新备用码',
    passkeyTitle: '通行密钥', passkeyHint: '使用 Face ID、Touch ID、Windows Hello、手机或安全密钥代替密码登录。',
    passkeyOff: '本网关未开启通行密钥。', passkeyNone: '尚未注册通行密钥。', passkeyLast: '已注册；上次使用：{{when}}。',
    never: '从未使用', registerPasskey: '注册通行密钥', removePasskey: '移除',
    passkeyAdded: '通行密钥已注册。', passkeyRemoved: '通行密钥已移除。', removePasskeyAsk: '确定移除通行密钥？移除后将无法用它登录。',
    passkeyCancelled: '通行密钥注册已取消或超时。', noPasskeySupport: '此浏览器在当前地址下无法使用通行密钥（需要 HTTPS 或 localhost）。',
    bindingsTitle: '登录绑定', bound: '已绑定', notBound: '未绑定', bindWith: '绑定', bindingsHint: '可以登录你账户的外部账号。如需解除绑定，请联系管理员。',
    noProviders: '本网关未开启第三方登录。', wechatTitle: '绑定微信', wechatHint: '用微信扫描二维码，向公众号发送消息，然后输入它回复的验证码。',
    wechatCode: '微信验证码', wechatBound: '微信已绑定。', telegramHint: '在下方使用 Telegram 登录以完成绑定。', telegramFailed: 'Telegram 登录组件加载失败。',
    notifyTitle: '通知设置', notifyHint: '余额不足时通过哪种方式提醒你。', notifyType: '通知方式',
    viaEmail: '邮件', viaWebhook: 'Webhook', viaBark: 'Bark', viaGotify: 'Gotify',
    threshold: '预警阈值（额度）', thresholdHint: '余额低于此额度（{{value}}）时发送提醒。',
    notifyEmail: '通知邮箱', notifyEmailHint: '留空则使用账户绑定的邮箱。',
    webhookUrl: 'Webhook 地址', webhookSecret: 'Webhook 密钥', webhookSecretHint: '以 "Authorization: Bearer <密钥>" 发送；可选。',
    barkUrl: 'Bark 地址', barkHint: '例如 https://api.day.app/<key>/{{title}}/{{content}}。',
    gotifyUrl: 'Gotify 服务器地址', gotifyToken: 'Gotify 应用令牌', gotifyPriority: 'Gotify 优先级（0 到 10）',
    otherTitle: '其他偏好', acceptUnset: '接受未设置价格的模型', acceptUnsetHint: '允许调用未设置倍率的模型（不计费）。',
    recordIp: '记录 IP 地址', recordIpHint: '在使用日志中记录客户端 IP。',
    modelNotify: '上游模型更新', modelNotifyHint: '上游新增或移除模型时通知我（管理员）。',
    saveSettings: '保存设置', settingsSaved: '设置已保存。',
    inviteTitle: '邀请',
    dangerTitle: '注销账户', dangerHint: '注销账户会结束所有会话，且无法在控制台中恢复。',
    deleteAccount: '注销我的账户', rootNoDelete: '超级管理员不能注销自己。',
    deleteAsk: '输入你的用户名 "{{name}}" 以确认。', confirmName: '用户名', deleted: '你的账户已注销。',
  },
};

export interface SelfUser {
  id: number;
  username: string;
  display_name: string;
  role: number;
  status: number;
  email: string;
  group: string;
  quota: number;
  used_quota: number;
  request_count: number;
  github_id: string;
  discord_id: string;
  oidc_id: string;
  wechat_id: string;
  telegram_id: string;
  linux_do_id: string;
  aff_code: string;
  aff_count: number;
  aff_quota: number;
  aff_history_quota: number;
  setting: string;
}

export const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
