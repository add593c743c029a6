// Files made in the browser: CSV text from rows (RFC 4180 quoting, a BOM so spreadsheet apps
// read UTF-8), a download of any text, and fetching every page of a paged list up to a cap
// (for exports of "the current filter" when the server has no export endpoint).
import { api, type Page, type Query } from '../api/client';

export interface CsvColumn<T> {
  header: string;
  value: (row: T) => string | number | boolean | null | undefined;
}

function cell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // a leading = + - @ would run as a formula in spreadsheet apps: prefix a quote
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The rows as CSV text: a header line, then one line per row, CRLF line ends. */
export function toCsv<T>(rows: T[], columns: CsvColumn<T>[]): string {
  const lines = [columns.map((c) => cell(c.header)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => cell(c.value(row))).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** Save `text` as a file named `filename` (CSV gets a UTF-8 BOM). */
export function downloadText(filename: string, text: string, mime = 'text/plain'): void {
  const bom = mime === 'text/csv' ? '\ufeff' : '';
  const blob = new Blob([bom + text], { type: `${mime};charset=utf-8` });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** "name-2026-05-01-1530" for file names, in local time. */
export function fileStamp(prefix: string, date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${prefix}-${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}`;
}

export interface FetchAllResult<T> {
  rows: T[];
  total: number;
  /** true when the cap stopped the fetch before `total` rows */
  capped: boolean;
}

/**
 * Every page of `path` with `query`, `pageSize` rows at a time (the API's cap is 100), until
 * the list ends or `cap` rows are read. `onProgress(read, total)` after each page. Errors are
 * thrown to the caller (inline), never dropped; `signal` aborts between and during pages.
 */
export async function fetchAllPages<T>(
  path: string,
  query: Query,
  opts: { cap: number; pageSize?: number; pageSizeParam?: string; signal?: AbortSignal; onProgress?: (read: number, total: number) => void },
): Promise<FetchAllResult<T>> {
  const size = opts.pageSize ?? 100;
  const rows: T[] = [];
  let total = 0;
  for (let p = 1; rows.length < opts.cap; p++) {
    const data = await api<Page<T>>(path, {
      query: { ...query, p, [opts.pageSizeParam ?? 'page_size']: size },
      signal: opts.signal,
      inline: true,
    });
    const items = data?.items ?? [];
    total = data?.total ?? rows.length + items.length;
    rows.push(...items);
    opts.onProgress?.(Math.min(rows.length, opts.cap), total);
    if (items.length < size || rows.length >= total) break;
  }
  const capped = rows.length > opts.cap || (rows.length >= opts.cap && total > opts.cap);
  return { rows: rows.slice(0, opts.cap), total, capped };
}
