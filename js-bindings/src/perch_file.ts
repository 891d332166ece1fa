// Reading the header of a .perch file (safetensors + perch metadata) and writing small ones, in
// the canonical layout of docs/model-format.md. Used for model cost estimates (placement) and to
// build models in JS (the placement probe, tests).
import { InvalidInputError } from './errors.js';

export type SafetensorsDType = 'F32' | 'F16' | 'I32' | 'I8' | 'U8';

export interface TensorEntry {
  dtype: SafetensorsDType;
  shape: number[];
  data_offsets: [number, number];
}

export interface PerchHeader {
  metadata: Record<string, string>;
  tensors: Record<string, TensorEntry>;
}

export type TensorBytes = { dtype: SafetensorsDType; shape: number[]; data: Float32Array | Int32Array | Int8Array | Uint8Array | Uint16Array };

function compareUtf8(a: string, b: string): number {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(ea.length, eb.length); i++) if (ea[i] !== eb[i]) return ea[i]! - eb[i]!;
  return ea.length - eb.length;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort(compareUtf8);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Writes a .perch file: sorted keys, contiguous data in name order, header padded to 8 bytes. */
export function writePerch(tensors: Record<string, TensorBytes>, metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const names = Object.keys(tensors).sort(compareUtf8);
  let offset = 0;
  const blobs: Uint8Array[] = [];
  for (const name of names) {
    const t = tensors[name]!;
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { data_offsets: [offset, offset + bytes.length], dtype: t.dtype, shape: t.shape };
    blobs.push(bytes);
    offset += bytes.length;
  }
  let text = new TextEncoder().encode(canonical(header));
  const pad = (8 - ((8 + text.length) % 8)) % 8;
  if (pad) {
    const padded = new Uint8Array(text.length + pad).fill(0x20);
    padded.set(text);
    text = padded;
  }
  const out = new Uint8Array(8 + text.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  let o = 8 + text.length;
  for (const b of blobs) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

/** Parses and sanity-checks the JSON header (the engine validates everything again). */
export function readPerchHeader(bytes: Uint8Array): PerchHeader {
  if (bytes.length < 8) throw new InvalidInputError('not a .perch file: shorter than its 8-byte header length');
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) throw new InvalidInputError(`not a .perch file: header length ${n} runs past the end (${bytes.length} bytes)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + Number(n))));
  } catch {
    throw new InvalidInputError('not a .perch file: the header is not valid UTF-8 JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidInputError('not a .perch file: the header is not a JSON object');
  const { __metadata__, ...rest } = parsed as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  if (typeof __metadata__ === 'object' && __metadata__ !== null) {
    for (const [k, v] of Object.entries(__metadata__)) if (typeof v === 'string') metadata[k] = v;
  }
  return { metadata, tensors: rest as Record<string, TensorEntry> };
}

interface GraphNode {
  op: string;
  inputs: string[];
}

/**
 * Multiply-adds ×2 of one call, from the graph: dense weights count fully (one row of input),
 * embedding lookups a row per id. `rows` scales the dense part (tokens per call for generators).
 * The op names live here, not in the C++ ops, on purpose: placement decides from the header
 * alone, before any engine is loaded (local or server), so it cannot ask a kernel for its cost.
 */
export function estimateFlops(header: PerchHeader, rows = 1): number {
  let graph: { nodes?: GraphNode[] };
  try {
    graph = JSON.parse(header.metadata['perch.graph'] ?? '{}') as { nodes?: GraphNode[] };
  } catch {
    return 0;
  }
  let flops = 0;
  const numel = (name: string) => header.tensors[name]?.shape.reduce((a, b) => a * b, 1) ?? 0;
  for (const node of graph.nodes ?? []) {
    if (node.op === 'FullyConnected' || node.op === 'MatMul') {
      flops += 2 * numel(node.inputs[1] ?? '') * rows;
    } else if (node.op === 'EmbeddingBag' || node.op === 'Gather') {
      const shape = header.tensors[node.inputs[0] ?? '']?.shape ?? [];
      flops += 2 * (shape[1] ?? 1) * 64; // ~64 ids per call
    }
  }
  return flops;
}
