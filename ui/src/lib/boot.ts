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

/**
 * What happened before the script ran, and when (ms since navigation start). WebKitGTK keeps no
 * resource timing for the app's own scheme (tauri://), so the scripts' fetch is what lies
 * between the document parsed and the bundle evaluating.
 */
export interface BootTimings {
  /** The HTML document fully received. */
  html_ms: number;
  /** The document parsed (the module scripts are fetched from here, run after it). */
  parsed_ms: number;
  /** Scripts, module preloads and style sheets in the document at the first paint. */
  assets: number;
  /** The entry chunk started evaluating (after its fetch, parse and compile). */
  evaluated_ms: number;
  /** Svelte's mount of the first-paint components returned. */
  mounted_ms: number;
  /** The browser's first contentful paint (the toolbar; 0 if not reported). */
  first_paint_ms: number;
  /** Navigation start, Unix time in ms (the backend places it after its own start). */
  time_origin: number;
}

export function bootTimings(): BootTimings {
  const entries = (type: string) => (typeof performance === 'undefined' || typeof performance.getEntriesByType !== 'function' ? [] : performance.getEntriesByType(type));
  const nav = entries('navigation')[0] as PerformanceNavigationTiming | undefined;
  const fcp = entries('paint').find((e) => e.name === 'first-contentful-paint');
  const assets = typeof document === 'undefined' ? 0 : document.querySelectorAll('script[src], link[rel="modulepreload"], link[rel="stylesheet"]').length;
  return {
    html_ms: round(nav?.responseEnd ?? 0),
    parsed_ms: round(nav?.domInteractive ?? 0),
    assets,
    evaluated_ms: round(boot.evaluatedAt),
    mounted_ms: round(boot.mountedAt),
    first_paint_ms: round(fcp?.startTime ?? 0),
    time_origin: typeof performance === 'undefined' ? 0 : round(performance.timeOrigin),
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
