// Quota display per the options in /api/status: quota units shown as USD, CNY, a custom
// currency, or raw tokens (quota_display_type), and amounts typed by a person turned back into
// quota units.
export interface QuotaOptions {
  quota_per_unit?: number;
  display_in_currency?: boolean;
  quota_display_type?: string; // USD | CNY | TOKENS | CUSTOM
  custom_currency_symbol?: string;
  custom_currency_exchange_rate?: number;
  usd_exchange_rate?: number;
}

export type DisplayKind = 'USD' | 'CNY' | 'CUSTOM' | 'TOKENS';

export function displayKind(o: QuotaOptions): DisplayKind {
  const kind = (o.quota_display_type || 'USD').toUpperCase();
  if (o.display_in_currency === false || kind === 'TOKENS') return 'TOKENS';
  if (kind === 'CNY' || kind === 'CUSTOM') return kind;
  return 'USD';
}

function perUnit(o: QuotaOptions): number {
  const qpu = Number(o.quota_per_unit);
  return qpu > 0 ? qpu : 500000;
}

/** Units of the display currency per 1 USD. */
function rate(o: QuotaOptions, kind: DisplayKind): number {
  if (kind === 'CNY') return Number(o.usd_exchange_rate) > 0 ? Number(o.usd_exchange_rate) : 7.3;
  if (kind === 'CUSTOM') {
    const r = Number(o.custom_currency_exchange_rate);
    return r > 0 ? r : 1;
  }
  return 1;
}

export function currencySymbol(o: QuotaOptions): string {
  const kind = displayKind(o);
  if (kind === 'CNY') return '¥';
  if (kind === 'CUSTOM') return o.custom_currency_symbol || '¤';
  if (kind === 'TOKENS') return '';
  return '$';
}

function money(value: number, digits: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs < 10 ** -digits) {
    // tiny amounts keep two significant digits, never in exponent notation
    return value.toLocaleString('en-US', { maximumSignificantDigits: 2, maximumFractionDigits: 12 });
  }
  return value.toLocaleString('en-US', {
    minimumFractionDigits: 0,
    maximumFractionDigits: digits,
  });
}

/** "$1.25", "¥9.13", "¤12", or "625,000" for quota units. */
export function formatQuota(quota: number, o: QuotaOptions, digits = 2): string {
  const q = Number(quota) || 0;
  const kind = displayKind(o);
  if (kind === 'TOKENS') return Math.round(q).toLocaleString('en-US');
  const value = (q / perUnit(o)) * rate(o, kind);
  const sign = value < 0 ? '-' : '';
  return `${sign}${currencySymbol(o)}${money(Math.abs(value), digits)}`;
}

/** The amount a person typed, in the display currency (or tokens), as quota units. */
export function quotaFromAmount(amount: number, o: QuotaOptions): number {
  const kind = displayKind(o);
  if (kind === 'TOKENS') return Math.round(amount);
  return Math.round((amount / rate(o, kind)) * perUnit(o));
}

/** Quota units as an amount in the display currency (or tokens), for editing. */
export function amountFromQuota(quota: number, o: QuotaOptions): number {
  const kind = displayKind(o);
  if (kind === 'TOKENS') return quota;
  return Math.round(((quota / perUnit(o)) * rate(o, kind)) * 1e6) / 1e6;
}

export function formatTokens(n: number): string {
  const v = Number(n) || 0;
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(2).replace(/\.?0+$/, '')}M`;
  if (Math.abs(v) >= 1e4) return `${(v / 1e3).toFixed(1).replace(/\.0$/, '')}K`;
  return v.toLocaleString('en-US');
}
