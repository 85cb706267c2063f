import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * The window's Content-Security-Policy (tauri.conf.json sets it for the app). `vite preview`
 * serves the same policy, with `connect-src 'self'` instead of the IPC origins, so a look in a
 * plain browser also proves the bundle needs no inline script or style and no remote content.
 */
const PREVIEW_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Fails a production build that would contain the in-memory demo backend. */
function noDemoInProduction(mode: string): Plugin {
  return {
    name: 'keyward-no-demo-in-production',
    apply: 'build',
    generateBundle(_options, bundle) {
      if (mode !== 'production') return;
      for (const output of Object.values(bundle)) {
        if (output.type !== 'chunk') continue;
        const ids = output.moduleIds ?? Object.keys(output.modules);
        if (ids.some((id) => /[\\/]src[\\/]lib[\\/]demo\.ts$/.test(id))) {
          this.error(`the demo backend (src/lib/demo.ts) ended up in ${output.fileName} of a production build`);
        }
      }
    },
  };
}

export default defineConfig(({ mode }) => ({
  plugins: [svelte(), svelteTesting(), noDemoInProduction(mode)],
  // Tauri's CLI prints its own output; keep Vite's visible.
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
  },
  preview: {
    port: 1420,
    strictPort: true,
    headers: { 'Content-Security-Policy': PREVIEW_CSP },
  },
  build: {
    outDir: mode === 'demo' ? 'dist-demo' : 'dist',
    emptyOutDir: true,
    sourcemap: false,
  },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['tests/setup.ts'],
    restoreMocks: true,
  },
}));
