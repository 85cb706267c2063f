// Provider badges: a coloured monogram drawn locally (no remote icons under the CSP).

/** Fixed colour and letters for the built-in providers; five of them start with "Post". */
const KNOWN: Record<string, { color: number; letters: string }> = {
  postmon: { color: 6, letters: 'Mo' },
  postmark: { color: 1, letters: 'Mk' },
  postman: { color: 0, letters: 'Mn' },
  posthog: { color: 3, letters: 'PH' },
  postnomic: { color: 2, letters: 'Nm' },
  cloudflare: { color: 4, letters: 'CF' },
  sendgrid: { color: 5, letters: 'SG' },
};

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}

/** Index 0–7 of the badge palette: fixed for known providers, a stable hash for the rest. */
export function badgeColor(providerId: string): number {
  return KNOWN[providerId]?.color ?? hash(providerId) % 8;
}

/**
 * One or two letters: fixed for known providers, else the initials of the display name
 * ("Acme Mail" → "AM", "OpenAI" → "OA", "stripe" → "St").
 */
export function badgeLetters(providerId: string, displayName: string): string {
  const known = KNOWN[providerId];
  if (known) return known.letters;
  const name = displayName.trim() || providerId.trim();
  if (!name) return '?';
  const words = name.split(/[\s_.-]+/).filter(Boolean);
  if (words.length > 1) return (words[0][0] + words[1][0]).toUpperCase();
  const capitals = name.match(/[A-Z]/g);
  if (capitals && capitals.length >= 2) return capitals[0] + capitals[1];
  return name[0].toUpperCase() + (name[1] ?? '').toLowerCase();
}
