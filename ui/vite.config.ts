import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { fileURLToPath } from 'node:url';
import type { CodeSplittingGroup } from 'rolldown';
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

/** The page's entry module (index.html loads it). */
const ENTRY = fileURLToPath(new URL('./src/main.ts', import.meta.url));

/**
 * One chunk for the first paint (perf-firstpaint): every module the entry imports statically
 * goes into the entry's chunk instead of into chunks shared with the on-demand views (each
 * would be one more request over the custom protocol before the first paint). What only the
 * views use is split as Rolldown likes.
 */
function firstPaintChunk(): CodeSplittingGroup {
  let staticFromEntry: Set<string> | null = null;
  return {
    debugName: 'first-paint',
    name(id, ctx) {
      if (staticFromEntry === null) {
        const seen = new Set<string>();
        const stack = [ENTRY];
        while (stack.length) {
          const m = stack.pop() as string;
          if (seen.has(m)) continue;
          seen.add(m);
          stack.push(...(ctx.getModuleInfo(m)?.importedIds ?? []));
        }
        staticFromEntry = seen;
      }
      return staticFromEntry.has(id) ? 'index' : null;
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
    // No preload polyfill: WebKitGTK supports modulepreload, and the polyfill made the entry a
    // chunk of its own, one more request over the custom protocol before the first paint.
    modulePreload: { polyfill: false },
    rolldownOptions: { output: { codeSplitting: { groups: [firstPaintChunk()] } } },
  },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['tests/setup.ts'],
    restoreMocks: true,
  },
}));
