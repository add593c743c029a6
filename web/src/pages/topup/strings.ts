// The wallet page's strings (namespace "topup"), English and Chinese.
export const S = {
  en: {
    title: 'Wallet',
    description: 'Your balance, redemption codes, online top-up and invite rewards.',
    balance: 'Balance', used: 'Used so far', requests: 'Requests so far',
    redeemTitle: 'Redeem a code', code: 'Redemption code', codeHint: 'Paste the code you were given.', redeem: 'Redeem',
    redeemed: '{{value}} added to your balance.', buyCode: 'Buy a code',
    payTitle: 'Top up online', paymentsOff: 'Online payment is not enabled on this gateway. Redeem a code instead, or ask an administrator.',
    amount: 'Amount ({{unit}})', amountHint: 'At least {{min}}.', payWith: 'Pay with {{method}}', price: 'To pay: {{price}}', discount: '{{off}}% off',
    stripe: 'Card (Stripe)', creemTitle: 'Packages', creemBuy: 'Buy {{name}}', payOpened: 'The payment page opened in a new tab. Your balance updates once the payment completes.',
    belowMin: 'The smallest top-up is {{min}}.', tokensUnit: 'tokens', units: 'units',
    historyTitle: 'History', credits: 'Credits', orders: 'Payment orders', mine: 'Mine', everyone: 'All users',
    searchTrade: 'Search by order number', colTime: 'Time', colContent: 'Details', colAmount: 'Amount',
    colTrade: 'Order', colMethod: 'Method', colMoney: 'Paid', colStatus: 'Status', colCreated: 'Created', colCompleted: 'Completed', colUser: 'User',
    pending: 'Pending', success: 'Paid', failed: 'Failed', expiredS: 'Expired',
    complete: 'Complete', completeOrder: 'Complete order {{trade}}',
    confirmComplete: 'Mark order {{trade}} paid and credit {{amount}} to user #{{user}}? Do this only when the payment provider shows the money arrived; it is written to the audit log.',
    noCredits: 'No credits yet. Redeemed codes and completed payments show up here.', noOrders: 'No payment orders.',
    inviteTitle: 'Invite friends', inviteHint: 'People who register with your link are counted as your invites; rewards collect below.',
    inviteLink: 'Your invite link', copyLink: 'Copy the invite link', invited: 'Invited', rewards: 'Rewards available', earned: 'Earned in total',
    transfer: 'Move to balance', transferTitle: 'Move invite rewards to your balance', transferAmount: 'Amount ({{unit}})',
    transferHint: 'At least {{min}}, at most {{max}}.', transferred: 'Moved {{value}} to your balance.', transferLow: 'You need at least {{min}} of rewards to move them.',
  },
  zh: {
    title: '钱包',
    description: '你的余额、兑换码、在线充值和邀请奖励。',
    balance: '当前余额', used: '历史消耗', requests: '请求次数',
    redeemTitle: '兑换码充值', code: '兑换码', codeHint: '粘贴你获得的兑换码。', redeem: '兑换',
    redeemed: '已为你的余额增加 {{value}}。', buyCode: '购买兑换码',
    payTitle: '在线充值', paymentsOff: '本网关未开启在线支付。请使用兑换码，或联系管理员。',
    amount: '充值数量（{{unit}}）', amountHint: '最少 {{min}}。', payWith: '使用{{method}}支付', price: '实付：{{price}}', discount: '{{off}}% 优惠',
    stripe: '银行卡（Stripe）', creemTitle: '套餐', creemBuy: '购买 {{name}}', payOpened: '已在新标签页打开支付页面。支付完成后余额会更新。',
    belowMin: '最低充值数量为 {{min}}。', tokensUnit: 'tokens', units: '单位',
    historyTitle: '记录', credits: '入账记录', orders: '支付订单', mine: '我的', everyone: '全部用户',
    searchTrade: '按订单号搜索', colTime: '时间', colContent: '详情', colAmount: '金额',
    colTrade: '订单号', colMethod: '支付方式', colMoney: '实付', colStatus: '状态', colCreated: '创建时间', colCompleted: '完成时间', colUser: '用户',
    pending: '待支付', success: '已支付', failed: '失败', expiredS: '已过期',
    complete: '补单', completeOrder: '为订单 {{trade}} 补单',
    confirmComplete: '将订单 {{trade}} 标记为已支付，并为用户 #{{user}} 入账 {{amount}}？请仅在支付平台确认到账后操作；此操作会写入审计日志。',
    noCredits: '还没有入账记录。兑换码和完成的支付会显示在这里。', noOrders: '没有支付订单。',
    inviteTitle: '邀请好友', inviteHint: '通过你的链接注册的用户会计入你的邀请，奖励累积在下方。',
    inviteLink: '你的邀请链接', copyLink: '复制邀请链接', invited: '已邀请', rewards: '可用奖励', earned: '累计奖励',
    transfer: '划转到余额', transferTitle: '将邀请奖励划转到余额', transferAmount: '金额（{{unit}}）',
    transferHint: '最少 {{min}}，最多 {{max}}。', transferred: '已将 {{value}} 划转到余额。', transferLow: '奖励至少达到 {{min}} 才能划转。',
  },
};

export interface SelfUser {
  id: number;
  username: string;
  quota: number;
  used_quota: number;
  request_count: number;
  aff_code: string;
  aff_count: number;
  aff_quota: number;
  aff_history_quota: number;
}

export interface PayMethod {
  name: string;
  type: string;
  color?: string;
  min_topup?: string | number;
}

export interface TopupInfo {
  enable_online_topup: boolean;
  enable_stripe_topup: boolean;
  enable_creem_topup: boolean;
  enable_waffo_topup?: boolean;
  enable_waffo_pancake_topup?: boolean;
  creem_products?: string;
  pay_methods?: PayMethod[];
  min_topup?: number;
  stripe_min_topup?: number;
  amount_options?: number[];
  discount?: Record<string, number>;
}

export interface TopupOrder {
  id: number;
  user_id: number;
  amount: number;
  money: number;
  trade_no: string;
  payment_method: string;
  payment_provider: string;
  create_time: number;
  complete_time: number;
  status: string;
}
