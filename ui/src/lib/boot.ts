// The page's start-up clock (issue 14), imported first by main.ts so that `evaluatedAt` is
// when the bundle began to run. The phases before it come from the browser's own entries.

/** ms since navigation start (0 where there is no performance clock). */
export function now(): number {
  return typeof performance === 'undefined' ? 0 : performance.now();
}

export const boot = {
  /** The entry chunk started evaluating. */
  evaluatedAt: now(),
  /** Svelte's `mount(App)` returned (every first-paint component created). */
  mountedAt: 0,
};

/** What happened before the script ran, and when (ms since navigation start). */
export interface BootTimings {
  /** The HTML document fully received. */
  html_ms: number;
  /** The entry chunk and the CSS fully received (the latest of them). */
  assets_ms: number;
  /** How many scripts and style sheets were fetched before the first paint. */
  assets: number;
  /** The entry chunk started evaluating (after parse and compile). */
  evaluated_ms: number;
  /** Svelte's mount of the first-paint components returned. */
  mounted_ms: number;
}

export function bootTimings(): BootTimings {
  const entries = (type: string) => (typeof performance === 'undefined' || typeof performance.getEntriesByType !== 'function' ? [] : performance.getEntriesByType(type));
  const nav = entries('navigation')[0] as PerformanceNavigationTiming | undefined;
  const assets = (entries('resource') as PerformanceResourceTiming[]).filter((r) => /\.(js|css)(\?|$)/.test(r.name));
  return {
    html_ms: round(nav?.responseEnd ?? 0),
    assets_ms: round(Math.max(0, ...assets.map((r) => r.responseEnd))),
    assets: assets.length,
    evaluated_ms: round(boot.evaluatedAt),
    mounted_ms: round(boot.mountedAt),
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
