// What the window sends for detection instead of the pasted value (issue 13, hole 5): the
// longest known prefix the value starts with, one class symbol per remaining character, and
// the last characters the masked hint shows anyway. Mirrors `KeyShape` in
// crates/keyward/src/providers/shape.rs, which refuses anything that is not a shape.
import type { KeyShape, ProviderDto } from './types';

/** Longer look-alike prefixes detection warns about (Stripe's publishable keys). */
const LOOK_ALIKE_PREFIXES = ['pk_live_', 'pk_test_'];

/** The class of one character: the same symbols as the backend's `shape_symbol`. */
export function shapeSymbol(c: string): string {
  if (/[0-9]/.test(c)) return '0';
  if (/[a-f]/.test(c)) return 'a';
  if (/[g-z]/.test(c)) return 'x';
  if (/[A-F]/.test(c)) return 'A';
  if (/[G-Z]/.test(c)) return 'X';
  if (c === '_' || c === '-' || c === '.') return c;
  if (/[!-/:-@[-`{-~]/.test(c)) return '+';
  if (/\p{Cc}/u.test(c)) return '\u0001';
  if (/\s/u.test(c)) return ' ';
  return '\u00a4';
}

/** Every prefix detection compares literally: the kinds' (built-in and custom) and look-alikes. */
export function literalPrefixes(providers: readonly ProviderDto[]): string[] {
  const all = providers.flatMap((p) => p.kinds.map((k) => k.prefix ?? '')).concat(LOOK_ALIKE_PREFIXES);
  return [...new Set(all.filter((p) => p !== ''))];
}

/** The shape of `value`: never the value itself. */
export function keyShape(value: string, providers: readonly ProviderDto[]): KeyShape {
  const v = value.trim();
  const prefix = literalPrefixes(providers)
    .filter((p) => v.startsWith(p))
    .reduce((best, p) => (p.length > best.length ? p : best), '');
  const chars = [...v];
  const n = chars.length;
  const tailLen = n >= 12 ? 4 : Math.min(Math.floor(n / 2), 2);
  return {
    prefix,
    classes: [...v.slice(prefix.length)].map(shapeSymbol).join(''),
    tail: chars.slice(n - tailLen).join(''),
  };
}
