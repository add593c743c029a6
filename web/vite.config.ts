import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { sourceHash } from './scripts/source-hash.ts';

const here = dirname(fileURLToPath(import.meta.url));
// CLAWROUTER_WEB_OUT builds elsewhere (a private copy for a work in progress; tests read it
// through CLAWROUTER_TEST_STATIC_DIR); the committed bundle is always ../static.
const outDir = process.env.CLAWROUTER_WEB_OUT
  ? resolve(process.env.CLAWROUTER_WEB_OUT)
  : resolve(here, '../static');

// static/build.json: the hash of the sources this bundle was built from (see scripts/source-hash.ts)
function stampSourceHash(): Plugin {
  return {
    name: 'clawrouter-source-hash',
    apply: 'build',
    closeBundle() {
      const stamp = { source_hash: sourceHash(here), built_by: 'make web' };
      writeFileSync(resolve(outDir, 'build.json'), JSON.stringify(stamp, null, 2) + '\n');
    },
  };
}

export default defineConfig({
  plugins: [react(), stampSourceHash()],
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 700, // the entry (React, Mantine, router, i18next) is ~610 KB raw, ~190 KB gzipped
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:3000',
      '/pg': 'http://127.0.0.1:3000',
      '/v1': 'http://127.0.0.1:3000',
    },
  },
});
