// A one-node ONNX model, y = MatMul(x [M, K], W [K, N]) with W as an initializer, encoded by hand
// (protobuf wire format) so the benchmark needs no converter: onnxruntime-web's input.
function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}
const key = (field, wire) => varint((field << 3) | wire);
const int = (field, v) => [...key(field, 0), ...varint(v)];
function bytes(field, data) {
  const b = data instanceof Uint8Array ? data : new Uint8Array(data);
  return [...key(field, 2), ...varint(b.length), ...b];
}
const str = (field, s) => bytes(field, new TextEncoder().encode(s));
const msg = (field, parts) => bytes(field, parts.flat());

// ValueInfoProto for an f32 tensor; a string dim is symbolic.
function valueInfo(field, name, dims) {
  const shape = dims.map((d) => msg(1, typeof d === 'string' ? [str(2, d)] : [int(1, d)]));
  return msg(field, [str(1, name), msg(2, [msg(1, [int(1, 1), msg(2, shape)])])]);
}

// wKxN: Float32Array of K*N (row-major [K, N]). Returns the model bytes.
export function matmulModel(k, n, wKxN) {
  const raw = new Uint8Array(wKxN.buffer, wKxN.byteOffset, wKxN.byteLength);
  const node = msg(1, [str(1, 'x'), str(1, 'w'), str(2, 'y'), str(3, 'matmul'), str(4, 'MatMul')]);
  const init = msg(5, [int(1, k), int(1, n), int(2, 1), str(8, 'w'), bytes(9, raw)]);
  const graph = msg(7, [node, str(2, 'gemm'), init, valueInfo(11, 'x', ['M', k]), valueInfo(12, 'y', ['M', n])]);
  const opset = msg(8, [str(1, ''), int(2, 13)]);
  return Uint8Array.from([...int(1, 8), ...str(2, 'perch-bench'), ...graph, ...opset]);
}
