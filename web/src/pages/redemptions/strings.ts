// The redemption-code page's strings (namespace "redemptions"), English and Chinese.
export const S = {
  en: {
    title: 'Redemption codes',
    description: 'Codes that add balance to a wallet when redeemed. Create them in batches, hand them out, and sweep away the used ones.',
    create: 'Create codes', search: 'Search by name or ID', deleteInvalid: 'Delete invalid codes',
    confirmInvalid: 'Delete every used, disabled and expired code? Unused, valid codes stay.', invalidDone: 'Deleted {{count}} code(s).',
    colId: 'ID', colName: 'Name', colKey: 'Code', colStatus: 'Status', colQuota: 'Value', colCreated: 'Created', colExpires: 'Expires', colRedeemed: 'Redeemed',
    unused: 'Unused', disabledS: 'Disabled', used: 'Used', expired: 'Expired', never: 'Never', byUser: 'by user #{{id}}',
    copyCode: 'Copy code {{id}}', enableCode: 'Enable code {{id}}', disableCode: 'Disable code {{id}}', editCode: 'Edit code {{id}}', deleteCode: 'Delete code {{id}}',
    confirmDelete: 'Delete code #{{id}} ({{name}})? It can no longer be redeemed.',
    formCreate: 'Create redemption codes', formEdit: 'Edit redemption code', name: 'Name', nameHint: '1 to 20 characters; every code of the batch gets it.',
    amount: 'Value of each code ({{unit}})', amountHint: '= {{quota}} quota units', count: 'How many', countHint: '1 to 100 codes at once.',
    expiry: 'Expiry', expiryNever: 'Never', expiryAt: 'At a time', expiresAt: 'Expires at', plusDay: '+1 day', plusWeek: '+7 days', plusMonth: '+30 days',
    expiredPast: 'The expiry must be in the future.', amountPositive: 'Each code must be worth more than zero.',
    createdTitle: '{{count}} code(s) created', createdHint: 'Copy or download the codes now and hand them out. The list also shows them.',
    copyAll: 'Copy all', downloadTxt: 'Download .txt', downloadCsv: 'Download .csv', saved: 'Saved.', tokensUnit: 'tokens',
  },
  zh: {
    title: '兑换码',
    description: '兑换后为钱包增加余额的代码。批量创建、分发，并清理已使用的兑换码。',
    create: '创建兑换码', search: '按名称或 ID 搜索', deleteInvalid: '清除无效兑换码',
    confirmInvalid: '删除所有已使用、已禁用和已过期的兑换码？未使用且有效的兑换码会保留。', invalidDone: '已删除 {{count}} 个兑换码。',
    colId: 'ID', colName: '名称', colKey: '兑换码', colStatus: '状态', colQuota: '面值', colCreated: '创建时间', colExpires: '过期时间', colRedeemed: '兑换时间',
    unused: '未使用', disabledS: '已禁用', used: '已使用', expired: '已过期', never: '永不过期', byUser: '用户 #{{id}}',
    copyCode: '复制兑换码 {{id}}', enableCode: '启用兑换码 {{id}}', disableCode: '禁用兑换码 {{id}}', editCode: '编辑兑换码 {{id}}', deleteCode: '删除兑换码 {{id}}',
    confirmDelete: '删除兑换码 #{{id}}（{{name}}）？删除后无法再兑换。',
    formCreate: '创建兑换码', formEdit: '编辑兑换码', name: '名称', nameHint: '1 到 20 个字符，本批兑换码共用。',
    amount: '每个兑换码的面值（{{unit}}）', amountHint: '= {{quota}} 额度单位', count: '数量', countHint: '一次 1 到 100 个。',
    expiry: '过期时间', expiryNever: '永不过期', expiryAt: '指定时间', expiresAt: '过期于', plusDay: '+1 天', plusWeek: '+7 天', plusMonth: '+30 天',
    expiredPast: '过期时间必须晚于现在。', amountPositive: '面值必须大于零。',
    createdTitle: '已创建 {{count}} 个兑换码', createdHint: '请现在复制或下载兑换码并分发。列表中也可以查看。',
    copyAll: '全部复制', downloadTxt: '下载 .txt', downloadCsv: '下载 .csv', saved: '已保存。', tokensUnit: 'tokens',
  },
};

export interface Redemption {
  id: number;
  user_id: number;
  key: string;
  status: number;
  name: string;
  quota: number;
  created_time: number;
  redeemed_time: number;
  used_user_id: number;
  expired_time: number;
}
