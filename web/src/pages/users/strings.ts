// The user-management page's strings (namespace "users"), English and Chinese.
export const S = {
  en: {
    title: 'Users',
    description: 'Accounts of this gateway: roles, groups, balances and status. You can manage users of a lower role than your own.',
    create: 'Create user', search: 'Search by name, email or ID', allGroups: 'All groups', groupFilter: 'Group',
    colId: 'ID', colUser: 'User', colRole: 'Role', colStatus: 'Status', colGroup: 'Group', colBalance: 'Balance', colUsed: 'Used',
    colRequests: 'Requests', colInvites: 'Invited', colCreated: 'Created', colLastLogin: 'Last login',
    deleted: 'Deleted', edit: 'Edit {{name}}', quota: 'Adjust the balance of {{name}}', more: 'More actions for {{name}}',
    enableUser: 'Enable {{name}}', disableUser: 'Disable {{name}}', outranked: 'You cannot manage a user of your own or a higher role.',
    promote: 'Make administrator', demote: 'Make common user', reset2fa: 'Turn off two-factor authentication', resetPasskey: 'Remove the passkey',
    delete: 'Delete', deleteHard: 'Delete permanently',
    confirmPromote: 'Make {{name}} an administrator? Administrators manage channels, users and codes.',
    confirmDemote: 'Make {{name}} a common user?',
    confirmDisable: 'Disable {{name}}? Their sessions and API keys stop working until enabled again.',
    confirmDelete: 'Delete {{name}}? The account is closed and its keys stop working; the row stays for the records.',
    confirmHard: 'Delete {{name}} permanently? The row is removed and cannot be restored.',
    confirm2fa: 'Turn off two-factor authentication for {{name}}? Use this when they lost their device.',
    confirmPasskey: 'Remove the passkey of {{name}}? They log in with their password again.',
    done: 'Done.', created: 'User {{name}} created.', saved: 'Saved.',
    formCreate: 'Create a user', formEdit: 'Edit user', username: 'Username', usernameHint: 'Up to 20 characters; used to log in.',
    displayName: 'Display name', displayNameHint: 'Up to 20 characters; the username when empty.',
    password: 'Password', passwordHint: '8 to 20 characters.', newPassword: 'New password', newPasswordHint: 'Leave empty to keep the current password. A new one ends their sessions.',
    role: 'Role', group: 'Group', groupHint: 'Routing group: which channels and prices apply.', remark: 'Remark', remarkHint: 'A note only administrators see.',
    info: 'Account', email: 'Email', affCode: 'Invite code', inviter: 'Invited by', bindings: 'Sign-in bindings', none: 'None',
    quotaTitle: 'Adjust the balance', current: 'Current balance', mode: 'Change', add: 'Add', subtract: 'Subtract', override: 'Set to',
    amount: 'Amount ({{unit}})', amountHint: '= {{quota}} quota units', after: 'Balance afterwards: {{value}}', apply: 'Apply',
    tokensUnit: 'tokens', amountPositive: 'Enter an amount greater than zero.',
  },
  zh: {
    title: '用户管理',
    description: '本网关的账户：角色、分组、余额和状态。你只能管理角色低于自己的用户。',
    create: '创建用户', search: '按名称、邮箱或 ID 搜索', allGroups: '全部分组', groupFilter: '分组',
    colId: 'ID', colUser: '用户', colRole: '角色', colStatus: '状态', colGroup: '分组', colBalance: '余额', colUsed: '已用',
    colRequests: '请求数', colInvites: '邀请', colCreated: '创建时间', colLastLogin: '最近登录',
    deleted: '已注销', edit: '编辑 {{name}}', quota: '调整 {{name}} 的余额', more: '{{name}} 的更多操作',
    enableUser: '启用 {{name}}', disableUser: '禁用 {{name}}', outranked: '你不能管理与你同级或更高角色的用户。',
    promote: '设为管理员', demote: '设为普通用户', reset2fa: '关闭两步验证', resetPasskey: '移除通行密钥',
    delete: '注销', deleteHard: '永久删除',
    confirmPromote: '将 {{name}} 设为管理员？管理员可以管理渠道、用户和兑换码。',
    confirmDemote: '将 {{name}} 设为普通用户？',
    confirmDisable: '禁用 {{name}}？在重新启用之前，其会话和 API 令牌都将失效。',
    confirmDelete: '注销 {{name}}？账户关闭、令牌失效，记录保留。',
    confirmHard: '永久删除 {{name}}？该记录将被移除且无法恢复。',
    confirm2fa: '关闭 {{name}} 的两步验证？用于其丢失设备时。',
    confirmPasskey: '移除 {{name}} 的通行密钥？之后需使用密码登录。',
    done: '已完成。', created: '已创建用户 {{name}}。', saved: '已保存。',
    formCreate: '创建用户', formEdit: '编辑用户', username: '用户名', usernameHint: '最多 20 个字符，用于登录。',
    displayName: '显示名称', displayNameHint: '最多 20 个字符；留空则使用用户名。',
    password: '密码', passwordHint: '8 到 20 个字符。', newPassword: '新密码', newPasswordHint: '留空则不修改。设置新密码会结束其所有会话。',
    role: '角色', group: '分组', groupHint: '路由分组：决定可用的渠道和价格。', remark: '备注', remarkHint: '仅管理员可见的说明。',
    info: '账户信息', email: '邮箱', affCode: '邀请码', inviter: '邀请人', bindings: '登录绑定', none: '无',
    quotaTitle: '调整余额', current: '当前余额', mode: '操作', add: '增加', subtract: '减少', override: '设置为',
    amount: '金额（{{unit}}）', amountHint: '= {{quota}} 额度单位', after: '调整后余额：{{value}}', apply: '应用',
    tokensUnit: 'tokens', amountPositive: '请输入大于零的金额。',
  },
};

export interface AdminUser {
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
  aff_code: string;
  aff_count: number;
  aff_quota: number;
  aff_history_quota: number;
  inviter_id: number;
  remark: string;
  created_at: number;
  last_login_at: number;
  github_id?: string;
  discord_id?: string;
  oidc_id?: string;
  wechat_id?: string;
  telegram_id?: string;
  linux_do_id?: string;
  DeletedAt: string | null;
}
