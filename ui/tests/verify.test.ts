import { describe, expect, it } from 'vitest';
import type { VerifyOutcome, VerifyResultDto } from '../src/lib/types';
import {
  orderedResults,
  percent,
  reduceVerify,
  resultReason,
  summarize,
  summaryText,
  verifiableCount,
  verifiedText,
  verifyBadge,
  type VerifyRun,
} from '../src/lib/verify';
import { makeKey } from './fixtures';

const result = (id: string, outcome: VerifyOutcome, code: string | null = null): VerifyResultDto => ({
  id,
  name: `key ${id}`,
  environment: 'prod',
  provider: 'postmark',
  outcome,
  code,
  detail: '',
});

describe('summarize', () => {
  it('counts each outcome; anything without a definite answer is an error', () => {
    const s = summarize([
      result('1', 'valid'),
      result('2', 'valid'),
      result('3', 'invalid'),
      result('4', 'expired'),
      result('5', 'disabled'),
      result('6', 'skipped', 'manual_only'),
      result('7', 'error', 'provider_unavailable'),
      { ...result('8', 'valid'), outcome: 'teapot' as VerifyOutcome },
    ]);
    expect(s).toEqual({ total: 8, valid: 2, invalid: 1, expired: 1, disabled: 1, skipped: 1, errors: 2 });
  });

  it('says it in words, leaving out zeros', () => {
    expect(summaryText(summarize([result('1', 'valid'), result('2', 'invalid'), result('3', 'error')]))).toBe('1 valid, 1 invalid, 1 error');
    expect(summaryText(summarize([result('1', 'error'), result('2', 'error')]))).toBe('2 errors');
    expect(summaryText(summarize([]))).toBe('nothing verified');
  });

  it('lists problems first, otherwise in arrival order', () => {
    const ordered = orderedResults([result('a', 'valid'), result('b', 'error'), result('c', 'invalid'), result('d', 'valid'), result('e', 'expired'), result('f', 'skipped')]);
    expect(ordered.map((r) => r.id)).toEqual(['c', 'e', 'b', 'f', 'a', 'd']);
  });
});

describe('the progress reducer', () => {
  const progress = (done: number, total: number, r: VerifyResultDto) => ({ type: 'progress' as const, progress: { done, total, result: r } });

  it('starts with the expected count and follows the messages', () => {
    let run: VerifyRun = reduceVerify(null, { type: 'start', expected: 3 });
    expect(run).toEqual({ phase: 'running', done: 0, total: 3, results: [], error: null });
    run = reduceVerify(run, progress(1, 2, result('a', 'valid')));
    run = reduceVerify(run, progress(2, 2, result('b', 'invalid')));
    expect(run).toMatchObject({ phase: 'running', done: 2, total: 2 });
    expect(run.results.map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('never goes backwards and counts a repeated key once (the last answer wins)', () => {
    let run = reduceVerify(null, { type: 'start', expected: 5 });
    run = reduceVerify(run, progress(2, 5, result('a', 'valid')));
    run = reduceVerify(run, progress(1, 5, result('a', 'invalid')));
    expect(run.done).toBe(2);
    expect(run.results).toHaveLength(1);
    expect(run.results[0].outcome).toBe('invalid');
  });

  it('grows the total when more messages arrive than announced', () => {
    let run = reduceVerify(null, { type: 'start', expected: 1 });
    run = reduceVerify(run, progress(1, 1, result('a', 'valid')));
    run = reduceVerify(run, progress(2, 1, result('b', 'valid')));
    expect(run).toMatchObject({ done: 2, total: 2 });
  });

  it('takes the final answer as the truth', () => {
    let run = reduceVerify(null, { type: 'start', expected: 2 });
    run = reduceVerify(run, progress(1, 2, result('a', 'valid')));
    run = reduceVerify(run, { type: 'finish', results: [result('a', 'valid'), result('b', 'expired')] });
    expect(run).toMatchObject({ phase: 'done', done: 2, total: 2, error: null });
    expect(percent(run)).toBe(100);
    // A late message after the end changes nothing.
    expect(reduceVerify(run, progress(3, 3, result('c', 'valid')))).toBe(run);
  });

  it('keeps what arrived when the run fails', () => {
    let run = reduceVerify(null, { type: 'start', expected: 4 });
    run = reduceVerify(run, progress(1, 4, result('a', 'valid')));
    run = reduceVerify(run, { type: 'fail', message: 'The system keychain is locked.' });
    expect(run).toMatchObject({ phase: 'failed', done: 1, total: 4, error: 'The system keychain is locked.' });
    expect(percent(run)).toBe(25);
  });

  it('handles an empty inventory', () => {
    const start = reduceVerify(null, { type: 'start', expected: 0 });
    expect(percent(start)).toBe(0);
    expect(percent(reduceVerify(start, { type: 'finish', results: [] }))).toBe(100);
  });

  it('accepts a message before the start (it starts the run)', () => {
    const run = reduceVerify(null, progress(1, 3, result('a', 'valid')));
    expect(run).toMatchObject({ phase: 'running', done: 1, total: 3 });
  });
});

describe('resultReason', () => {
  it('words an error or a skip by its code, keeping useful detail', () => {
    expect(resultReason({ outcome: 'error', code: 'provider_unavailable', detail: 'timed out' })).toBe(
      'The provider could not be reached or did not answer in time. Check the base URL and the network, then try again. (timed out)',
    );
    expect(resultReason({ outcome: 'skipped', code: 'manual_only', detail: '' })).toBe('This provider has no API for that; do it in its dashboard.');
    expect(resultReason({ outcome: 'invalid', code: null, detail: '401 from Postmark' })).toBe('401 from Postmark');
  });
});

describe('verification on keys', () => {
  it('flags only definite answers other than valid', () => {
    expect(verifyBadge({ verify_outcome: 'invalid' })).toBe('invalid');
    expect(verifyBadge({ verify_outcome: 'expired' })).toBe('expired');
    expect(verifyBadge({ verify_outcome: 'disabled' })).toBe('disabled');
    expect(verifyBadge({ verify_outcome: 'valid' })).toBeNull();
    expect(verifyBadge({ verify_outcome: null })).toBeNull();
  });

  it('says when a key was last verified', () => {
    const now = Date.parse('2026-01-02T12:00:00Z');
    expect(verifiedText({ last_verified_at: '2026-01-02T09:00:00Z' }, now)).toBe('Verified 3 h ago');
    expect(verifiedText({ last_verified_at: null }, now)).toBe('Never verified');
  });

  it('verifies every key but revoked ones', () => {
    expect(verifiableCount([makeKey(), makeKey({ status: 'revoked' }), makeKey({ status: 'invalid' })])).toBe(2);
  });
});
