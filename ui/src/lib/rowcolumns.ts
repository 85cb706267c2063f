// The whole list's chunks in columns (issue 14: memory at 10,000 keys). `keys_stream` sends each
// repeated value once per chunk and every row field as one array (the format is described on
// `KeysChunk`'s `Serialize` in crates/keyward/src/api/keys.rs). As objects, the JSON parser made
// a string, array or object for every repeat of a provider, purpose, state, tag list or
// finding; the web process kept that peak resident. Decoded here into the list's rows, sharing
// each repeated value across rows and chunks.

import type { FindingRow, KeyColumns, KeyRowDto, KeysChunkDto } from './types';

/** What makes two finding rows equal. */
function findingKey(f: FindingRow): string {
  return `${f.code}\u0000${f.severity}\u0000${f.attention}\u0000${f.action}\u0000${Boolean(f.acknowledged)}`;
}

/** Decodes the chunks of one `keys_stream`; equal values of different chunks are one copy. */
export class ChunkDecoder {
  private readonly strings = new Map<string, string>();
  private readonly findings = new Map<string, FindingRow>();
  private readonly lists = new Map<string, readonly unknown[]>();

  decode(chunk: KeysChunkDto): KeyRowDto[] {
    const values = chunk.values.map((v) => this.string(v));
    const findings = chunk.findings.map((f) => this.finding(f));
    const tagLists = chunk.tag_lists.map((list) => this.list(list.map((i) => values[i])));
    const findingLists = chunk.finding_lists.map((list) => this.list(list.map((i) => findings[i])));
    const c: KeyColumns = chunk.columns;
    const value = (code: number | null): string | null => (code === null ? null : values[code]);
    const rows: KeyRowDto[] = new Array(c.id.length);
    for (let i = 0; i < c.id.length; i++) {
      // One object literal: every row has the same shape (and the row's field order).
      rows[i] = {
        id: c.id[i],
        provider: values[c.provider[i]],
        kind: values[c.kind[i]],
        name: c.name[i],
        environment: values[c.environment[i]],
        purpose: values[c.purpose[i]],
        owner: value(c.owner[i]),
        tags: tagLists[c.tags[i]] as string[],
        created_at: c.created_at[i],
        last_rotated_at: c.last_rotated_at[i],
        last_verified_at: c.last_verified_at[i],
        expires_at: c.expires_at[i],
        status: values[c.status[i]] as KeyRowDto['status'],
        masked_hint: c.masked_hint[i],
        verify_outcome: value(c.verify_outcome[i]) as KeyRowDto['verify_outcome'],
        verify_detail: c.verify_detail[i],
        role: values[c.role[i]] as KeyRowDto['role'],
        findings: findingLists[c.findings[i]] as FindingRow[],
        state: values[c.state[i]] as KeyRowDto['state'],
      };
    }
    return rows;
  }

  private string(value: string): string {
    const seen = this.strings.get(value);
    if (seen !== undefined) return seen;
    this.strings.set(value, value);
    return value;
  }

  private finding(f: FindingRow): FindingRow {
    const id = findingKey(f);
    const seen = this.findings.get(id);
    if (seen !== undefined) return seen;
    this.findings.set(id, f);
    return f;
  }

  /** Lists of shared items are equal when their items are the same objects or strings. */
  private list<T>(items: T[]): T[] {
    const id = items.map((item) => (typeof item === 'string' ? `s${item}` : `f${findingKey(item as FindingRow)}`)).join('\u0001');
    const seen = this.lists.get(id);
    if (seen !== undefined) return seen as T[];
    this.lists.set(id, items);
    return items;
  }
}

/** Distinct items in order of first use, each with its index (the backend's `Distinct`). */
class Distinct<T> {
  readonly items: T[] = [];
  private readonly index = new Map<string, number>();
  constructor(private readonly id: (item: T) => string) {}
  code(item: T): number {
    const id = this.id(item);
    const seen = this.index.get(id);
    if (seen !== undefined) return seen;
    this.items.push(item);
    this.index.set(id, this.items.length - 1);
    return this.items.length - 1;
  }
}

/**
 * Rows as `keys_stream` sends them, for the demo backend and tests' fake backends: the same
 * JSON the backend makes of these rows (pinned against its sample by ipc-contract.test.ts).
 */
export function encodeChunk(rows: KeyRowDto[], total: number, offset: number): KeysChunkDto {
  const values = new Distinct<string>((v) => v);
  const findings = new Distinct<FindingRow>(findingKey);
  const findingLists = new Distinct<number[]>((l) => l.join(','));
  const tagLists = new Distinct<number[]>((l) => l.join(','));
  const columns: KeyColumns = {
    id: [], provider: [], kind: [], name: [], environment: [], purpose: [], owner: [], tags: [], created_at: [],
    last_rotated_at: [], last_verified_at: [], expires_at: [], status: [], masked_hint: [], verify_outcome: [],
    verify_detail: [], role: [], findings: [], state: [],
  };
  for (const row of rows) {
    // The backend's order of first use: provider, kind, environment, purpose, owner, tags,
    // status, verify_outcome, role, findings, state.
    columns.id.push(row.id);
    columns.provider.push(values.code(row.provider));
    columns.kind.push(values.code(row.kind));
    columns.name.push(row.name);
    columns.environment.push(values.code(row.environment));
    columns.purpose.push(values.code(row.purpose));
    columns.owner.push(row.owner === null ? null : values.code(row.owner));
    columns.tags.push(tagLists.code(row.tags.map((t) => values.code(t))));
    columns.created_at.push(row.created_at);
    columns.last_rotated_at.push(row.last_rotated_at);
    columns.last_verified_at.push(row.last_verified_at);
    columns.expires_at.push(row.expires_at);
    columns.status.push(values.code(row.status));
    columns.masked_hint.push(row.masked_hint);
    columns.verify_outcome.push(row.verify_outcome === null ? null : values.code(row.verify_outcome));
    columns.verify_detail.push(row.verify_detail);
    columns.role.push(values.code(row.role ?? 'service'));
    const own = row.findings.map((f) =>
      findings.code({ code: f.code, severity: f.severity, attention: f.attention, action: f.action, acknowledged: Boolean(f.acknowledged) }),
    );
    columns.findings.push(findingLists.code(own));
    columns.state.push(values.code(row.state ?? row.status));
  }
  return {
    total,
    offset,
    values: values.items,
    findings: findings.items,
    finding_lists: findingLists.items,
    tag_lists: tagLists.items,
    columns,
  };
}
