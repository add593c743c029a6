// Shapes of the management API answers the dashboard reads (reference-management.md §4).
import type { QuotaOptions } from '../lib/quota';

export const ROLE_USER = 1;
export const ROLE_ADMIN = 10;
export const ROLE_ROOT = 100;

export interface Status extends QuotaOptions {
  version: string;
  system_name: string;
  logo?: string;
  footer_html?: string;
  server_address?: string;
  docs_link?: string;
  setup: boolean;
  email_verification?: boolean;
  github_oauth?: boolean;
  discord_oauth?: boolean;
  oidc_enabled?: boolean;
  linuxdo_oauth?: boolean;
  telegram_oauth?: boolean;
  wechat_login?: boolean;
  turnstile_check?: boolean;
  turnstile_site_key?: string;
  passkey_login?: boolean;
  data_export_default_time?: 'hour' | 'day' | 'week';
  enable_data_export?: boolean;
  self_use_mode_enabled?: boolean;
  [key: string]: unknown;
}

export interface User {
  id: number;
  username: string;
  display_name: string;
  role: number;
  status: number;
  email?: string;
  group: string;
  quota: number;
  used_quota: number;
  request_count: number;
  aff_code?: string;
}

export interface GroupInfo {
  ratio: number | string;
  desc: string;
}

export interface Token {
  id: number;
  user_id: number;
  key: string;
  status: number;
  name: string;
  created_time: number;
  accessed_time: number;
  expired_time: number;
  remain_quota: number;
  unlimited_quota: boolean;
  model_limits_enabled: boolean;
  model_limits: string;
  allow_ips: string;
  used_quota: number;
  group: string;
  cross_group_retry: boolean;
}

export interface QuotaRow {
  model_name?: string;
  username?: string;
  created_at: number;
  count: number;
  quota: number;
  token_used: number;
}
