// JSON option values checked in the browser before anything is sent: where the text stops
// being JSON (line and column), or which entry breaks the expected shape.
import type { JsonShape } from './schema';

export interface JsonProblem {
  /** a string key of the settings page: json.syntax, json.object, json.array, json.number */
  code: string;
  values: Record<string, string>;
}

function lineCol(text: string, pos: number): { line: string; col: string } {
  const before = text.slice(0, Math.max(0, Math.min(pos, text.length)));
  const lines = before.split('\n');
  return { line: String(lines.length), col: String(lines[lines.length - 1].length + 1) };
}

/** Where JSON.parse stopped: the engine's "position N" (or "line L column C"), else the end. */
function syntaxProblem(text: string, err: unknown): JsonProblem {
  const message = err instanceof Error ? err.message : String(err);
  const lc = /line (\d+) column (\d+)/.exec(message);
  const pos = /position (\d+)/.exec(message);
  const where = lc ? { line: lc[1], col: lc[2] } : lineCol(text, pos ? Number(pos[1]) : text.length);
  return { code: 'json.syntax', values: { ...where, detail: message.replace(/^JSON\.parse: /, '') } };
}

export function checkJson(text: string, shape: JsonShape): JsonProblem | null {
  if (!text.trim()) return shape === 'array' ? null : { code: 'json.object', values: {} };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return syntaxProblem(text, e);
  }
  if (shape === 'array') return Array.isArray(data) ? null : { code: 'json.array', values: {} };
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { code: 'json.object', values: {} };
  if (shape === 'ratio') {
    for (const [name, value] of Object.entries(data)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        const at = text.indexOf(JSON.stringify(name));
        return { code: 'json.number', values: { name, ...lineCol(text, at < 0 ? 0 : at) } };
      }
    }
  }
  return null;
}

/** Pretty-printed for editing; the text itself when it is not JSON. */
export function prettyJson(text: string): string {
  if (!text.trim()) return text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** The same JSON value written two ways compares equal. */
export function sameJson(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}
