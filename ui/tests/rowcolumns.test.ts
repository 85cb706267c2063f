// The whole list's chunks in columns (issue 14): the backend's JSON decodes to its rows, the
// demo's and fakes' encoder makes the backend's JSON, and decoded rows share repeated values.
import { describe, expect, it } from 'vitest';
import samples from '../src/lib/ipc-samples.json';
import { ChunkDecoder, encodeChunk } from '../src/lib/rowcolumns';
import { toRow } from '../src/lib/inventory';
import type { FindingRow, KeyRowDto, KeysChunkDto } from '../src/lib/types';
import { makeKey } from './fixtures';

const chunkSample = samples.keys_chunk as unknown as KeysChunkDto;
const rowSample = samples.key_row as unknown as KeyRowDto;

const finding = (code: string, acknowledged: boolean): FindingRow => ({ code, severity: 'low', attention: 'info', action: 'edit', acknowledged });

/** Rows with and without owners, tags, findings (one acknowledged), a verify outcome, a role. */
function rows(n: number, prefix = 'k'): KeyRowDto[] {
  return Array.from({ length: n }, (_, i) => ({
    ...toRow(
      makeKey({
        name: `${prefix}${i}`,
        environment: ['prod', 'dev', 'staging'][i % 3],
        purpose: i % 2 ? 'send transactional email' : 'ingest events',
        owner: i % 4 === 0 ? null : `team ${i % 2}`,
        tags: i % 3 === 0 ? [] : ['eu', 'billing'].slice(0, 1 + (i % 2)),
        verify_outcome: i % 5 === 0 ? 'invalid' : null,
        verify_detail: i % 5 === 0 ? `401 for ${i}` : null,
      }),
    ),
    role: i % 7 === 0 ? 'connection_admin' : 'service',
    state: i % 5 === 0 ? 'invalid' : 'active',
    findings: i % 2 ? [finding('incomplete', i % 3 === 0), finding('stale', false)] : [],
  }));
}

describe('keys_stream chunks in columns (issue 14)', () => {
  it("decodes the backend's chunk to the backend's row", () => {
    expect(new ChunkDecoder().decode(chunkSample)).toEqual([rowSample]);
  });

  it("encodes rows as the backend does: the same JSON, dictionaries in the same order", () => {
    expect(encodeChunk([rowSample], 1, 0)).toEqual(chunkSample);
    expect(JSON.stringify(encodeChunk([rowSample], 1, 0).values)).toBe(JSON.stringify(chunkSample.values));
  });

  it('round-trips rows, each repeated value sent once', () => {
    const sent = rows(60);
    const chunk = encodeChunk(sent, 60, 0);
    expect(new Set(chunk.values).size).toBe(chunk.values.length);
    expect(chunk.values.length).toBeLessThan(20);
    expect(chunk.finding_lists.length).toBe(3);
    expect(new ChunkDecoder().decode(chunk)).toEqual(sent);
  });

  it('shares equal tag and finding lists between rows and between chunks', () => {
    const decoder = new ChunkDecoder();
    const sent = rows(12);
    const first = decoder.decode(encodeChunk(sent.slice(0, 6), 12, 0));
    const second = decoder.decode(encodeChunk(sent.slice(6), 12, 6));
    // Rows 1 and 7 have the same tags and findings; rows 3 and 9 too (another acknowledgement).
    expect(second[1].tags).toBe(first[1].tags);
    expect(second[1].findings).toBe(first[1].findings);
    expect(second[3].findings).toBe(first[3].findings);
    expect(first[3].findings, 'an acknowledged finding is another value').not.toBe(first[1].findings);
    expect(first[1].findings[1]).toBe(first[3].findings[1]);
  });

  it('sends a whole finding (the demo) as its row fields only', () => {
    const key = makeKey({ name: 'a' });
    const whole = { ...toRow(key), findings: [{ code: 'stale', severity: 'medium', attention: 'action', message: 'old', advice: 'rotate', action: 'rotate', excess_scopes: [], acknowledged: null }] } as unknown as KeyRowDto;
    const [row] = new ChunkDecoder().decode(encodeChunk([whole], 1, 0));
    expect(row.findings).toEqual([{ code: 'stale', severity: 'medium', attention: 'action', action: 'rotate', acknowledged: false }]);
  });

  it('decodes an empty inventory from its one empty chunk', () => {
    expect(new ChunkDecoder().decode(encodeChunk([], 0, 0))).toEqual([]);
  });
});
