// The source hash stamped into static/build.json. tests/integration/test_static_bundle.py
// computes the same value in Python (no Node needed) and fails when static/ is stale.
// Rule: every file under web/ except node_modules/, dist/ and *.tsbuildinfo, sorted by its
// POSIX path relative to web/; the hash is sha256 over "<path>\0<sha256 of content>\n" lines.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const SKIP_DIRS = new Set(['node_modules', 'dist']);

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) walk(full, out);
    } else if (entry.isFile() && !entry.name.endsWith('.tsbuildinfo')) {
      out.push(full);
    }
  }
}

export function sourceHash(root: string): string {
  const files: string[] = [];
  walk(root, files);
  const rel = files.map((f) => relative(root, f).split(sep).join('/')).sort();
  const total = createHash('sha256');
  for (const path of rel) {
    const digest = createHash('sha256').update(readFileSync(join(root, path))).digest('hex');
    total.update(`${path}\0${digest}\n`);
  }
  return total.digest('hex');
}
