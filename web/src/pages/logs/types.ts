// A log row as /api/log/ and /api/log/self answer it (reference-management.md §4.7).
export interface LogItem {
  id: number;
  user_id: number;
  created_at: number;
  type: number;
  content: string;
  username: string;
  token_name: string;
  model_name: string;
  quota: number;
  prompt_tokens: number;
  completion_tokens: number;
  use_time: number;
  is_stream: boolean;
  channel: number;
  channel_name?: string;
  token_id: number;
  group: string;
  ip: string;
  request_id?: string;
  upstream_request_id?: string;
  other: string;
}

export const LOG_TYPES = [1, 2, 3, 4, 5, 6] as const;

export const TYPE_COLORS: Record<number, string> = {
  0: 'gray', 1: 'teal', 2: 'blue', 3: 'violet', 4: 'cyan', 5: 'red', 6: 'orange',
};
