// The desktop the window runs on, for what differs per platform in the page itself (the font
// stacks in app.css: `html[data-platform]`).

export type Platform = 'linux' | 'mac' | 'windows' | 'other';

/** From the user agent: WebKitGTK says "X11; Linux", WKWebView "Macintosh", WebView2 "Windows". */
export function platformOf(userAgent: string): Platform {
  if (/Windows/.test(userAgent)) return 'windows';
  if (/Macintosh|Mac OS X/.test(userAgent)) return 'mac';
  if (/Linux|X11|CrOS/.test(userAgent) && !/Android/.test(userAgent)) return 'linux';
  return 'other';
}
