// Dates shown to people: local time, "yyyy-mm-dd hh:mm[:ss]".
const pad = (n: number) => String(n).padStart(2, '0');

export function formatTime(unix: number, seconds = true): string {
  if (!unix || unix < 0) return '—';
  const d = new Date(unix * 1000);
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return seconds ? `${day} ${time}:${pad(d.getSeconds())}` : `${day} ${time}`;
}

/** Value for <input type="datetime-local"> from a unix time. */
export function toLocalInput(unix: number): string {
  const d = new Date(unix * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Unix seconds from an <input type="datetime-local"> value (NaN when empty or invalid). */
export function fromLocalInput(value: string): number {
  return value ? Math.floor(new Date(value).getTime() / 1000) : NaN;
}

export function nowUnix(): number {
  return Math.floor(Date.now() / 1000);
}
