// Hand-built TensorProtos: every dtype via raw_data and via the typed fields, float16 bits, bool,
// int64 beyond 2^53, empty tensors, errors.
import { describe, expect, it } from 'vitest';
import { decodeTensor, readTensor, type TensorData } from '../../lib/onnx/index.js';
import { DT, onnx, tensorBytes } from './build.js';

function le(data: TensorData): Uint8Array {
  const v = data as Exclude<TensorData, string[]>;
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

// [ONNX data type, type name, expected data, typed field, field values]
const cases: [number, string, TensorData, string, unknown[]][] = [
  [DT.FLOAT, 'float32', Float32Array.of(1.5, -2, 3.25, 0), 'floatData', [1.5, -2, 3.25, 0]],
  [DT.DOUBLE, 'float64', Float64Array.of(1e300, -0.1, 3, 0), 'doubleData', [1e300, -0.1, 3, 0]],
  [DT.INT8, 'int8', Int8Array.of(-128, 127, -1, 0), 'int32Data', [-128, 127, -1, 0]],
  [DT.UINT8, 'uint8', Uint8Array.of(0, 255, 7, 128), 'int32Data', [0, 255, 7, 128]],
  [DT.INT16, 'int16', Int16Array.of(-32768, 32767, -1, 0), 'int32Data', [-32768, 32767, -1, 0]],
  [DT.UINT16, 'uint16', Uint16Array.of(0, 65535, 1, 2), 'int32Data', [0, 65535, 1, 2]],
  [DT.INT32, 'int32', Int32Array.of(-(2 ** 31), 2 ** 31 - 1, -1, 0), 'int32Data', [-(2 ** 31), 2 ** 31 - 1, -1, 0]],
  [DT.UINT32, 'uint32', Uint32Array.of(0, 2 ** 32 - 1, 1, 2), 'uint64Data', [0, 2 ** 32 - 1, 1, 2]],
  [
    DT.INT64,
    'int64',
    BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, -(2n ** 53n) - 3n),
    'int64Data',
    ['-9223372036854775808', '9223372036854775807', '9007199254740993', '-9007199254740995'],
  ],
  [DT.UINT64, 'uint64', BigUint64Array.of(0n, 2n ** 64n - 1n, 2n ** 53n + 1n, 5n), 'uint64Data', ['0', '18446744073709551615', '9007199254740993', '5']],
  // float16: 1.0 = 0x3c00, -2.0 = 0xc000, +inf = 0x7c00, NaN = 0x7e00 — kept as bits.
  [DT.FLOAT16, 'float16', Uint16Array.of(0x3c00, 0xc000, 0x7c00, 0x7e00), 'int32Data', [0x3c00, 0xc000, 0x7c00, 0x7e00]],
  [DT.BFLOAT16, 'bfloat16', Uint16Array.of(0x3f80, 0xc000, 0, 0x7f80), 'int32Data', [0x3f80, 0xc000, 0, 0x7f80]],
  [DT.BOOL, 'bool', Uint8Array.of(1, 0, 0, 1), 'int32Data', [1, 0, 0, 1]],
];

describe('decodeTensor / readTensor', () => {
  it.each(cases)('type %i (%s) via raw_data and via its typed field', (dataType, type, expected, field, values) => {
    // raw_data, placed at an odd offset inside a larger buffer to exercise the aligned copy.
    const raw = le(expected);
    const padded = new Uint8Array(raw.length + 1);
    padded.set(raw, 1);
    const viaRaw = readTensor(tensorBytes({ name: 'r', dataType, dims: [2, 2], rawData: padded.subarray(1) }));
    expect(viaRaw).toEqual({ name: 'r', type, dims: [2, 2], data: expected });
    expect(viaRaw.data.constructor).toBe(expected.constructor);
    const viaField = readTensor(tensorBytes({ name: 'f', dataType, dims: [4], [field]: values }));
    expect(viaField.type).toBe(type);
    expect(viaField.dims).toEqual([4]);
    expect(viaField.data).toEqual(expected);
    expect(viaField.data.constructor).toBe(expected.constructor);
  });

  it('normalises bool raw bytes to 0/1', () => {
    const t = readTensor(tensorBytes({ dataType: DT.BOOL, dims: [3], rawData: Uint8Array.of(0, 2, 255) }));
    expect(t.data).toEqual(Uint8Array.of(0, 1, 1));
  });

  it('decodes string tensors', () => {
    const enc = new TextEncoder();
    const t = readTensor(tensorBytes({ dataType: DT.STRING, dims: [2], stringData: [enc.encode('héllo'), enc.encode('')] }));
    expect(t).toEqual({ name: '', type: 'string', dims: [2], data: ['héllo', ''] });
  });

  it('decodes scalars and empty tensors', () => {
    expect(readTensor(tensorBytes({ dataType: DT.FLOAT, dims: [], floatData: [7] })).data).toEqual(Float32Array.of(7));
    for (const props of [
      { dataType: DT.FLOAT, dims: [0, 3] },
      { dataType: DT.INT64, dims: [3, 0], rawData: new Uint8Array(0) },
      { dataType: DT.INT8, dims: [0] },
    ]) {
      const t = readTensor(tensorBytes(props));
      expect(t.data.length).toBe(0);
      expect(t.dims).toEqual(props.dims);
    }
  });

  it('decodes tensors given as plain objects (Long and number int64 values)', () => {
    const t = decodeTensor({ name: 'x', dataType: DT.INT64, dims: [2], int64Data: [5, { low: 1, high: 0x200000, unsigned: false } as never] }, { source: 'm.onnx', baseDir: undefined });
    expect(t.data).toEqual(BigInt64Array.of(5n, 2n ** 53n + 1n));
  });

  it('rejects element counts that do not match dims', () => {
    expect(() => readTensor(tensorBytes({ name: 'w', dataType: DT.FLOAT, dims: [2, 3], floatData: [1, 2] }))).toThrow(
      /tensor 'w'.*float_data has 2 values, expected 6/,
    );
    expect(() => readTensor(tensorBytes({ name: 'w', dataType: DT.INT32, dims: [2], rawData: new Uint8Array(7) }))).toThrow(
      /tensor 'w'.*raw data has 7 bytes, expected 8/,
    );
    expect(() => readTensor(tensorBytes({ name: 'w', dataType: DT.FLOAT, dims: [2], rawData: new Uint8Array(0) }))).toThrow(RangeError);
  });

  it('rejects values out of range for int32_data-carried types', () => {
    expect(() => readTensor(tensorBytes({ name: 'q', dataType: DT.INT8, dims: [1], int32Data: [200] }))).toThrow(/int32_data\[0\] = 200 is out of range for int8/);
    expect(() => readTensor(tensorBytes({ name: 'q', dataType: DT.UINT32, dims: [1], uint64Data: ['4294967296'] }))).toThrow(RangeError);
  });

  it('rejects unsafe, negative and overflowing dims', () => {
    expect(() => readTensor(tensorBytes({ name: 'd', dataType: DT.FLOAT, dims: ['9007199254740993'] }))).toThrow(/tensor 'd'.*dims\[0\].*safe integer/);
    expect(() => readTensor(tensorBytes({ name: 'd', dataType: DT.FLOAT, dims: [-1] }))).toThrow(/invalid dimension -1/);
    expect(() => readTensor(tensorBytes({ name: 'd', dataType: DT.FLOAT, dims: [2 ** 30, 2 ** 30, 2 ** 30] }))).toThrow(RangeError);
  });

  it('rejects unsupported and unknown data types', () => {
    expect(() => readTensor(tensorBytes({ name: 'c', dataType: DT.COMPLEX64, dims: [1], floatData: [1, 2] }))).toThrow(/tensor 'c'.*unsupported data type complex64/);
    expect(() => readTensor(tensorBytes({ name: 'u', dataType: 99, dims: [1] }))).toThrow(/unknown ONNX data type 99/);
    expect(() => readTensor(tensorBytes({ name: 's', dataType: DT.FLOAT, dims: [1], segment: { begin: 0, end: 1 }, floatData: [1] }))).toThrow(/segmented/);
  });

  it('rejects undecodable bytes with an Error naming the source', () => {
    const bytes = tensorBytes({ name: 'weights', dataType: DT.FLOAT, dims: [4], floatData: [1, 2, 3, 4] });
    // Cut inside the name (the last field): a length-delimited field running past the end.
    expect(() => readTensor(bytes.subarray(0, bytes.length - 3), { source: 'input_0.pb' })).toThrow(/input_0.pb: cannot decode TensorProto/);
    // Cut inside the packed float_data.
    const cut = bytes.indexOf(0x22) + 5; // float_data is field 4, wire type 2 (tag 0x22)
    expect(() => readTensor(bytes.subarray(0, cut), { source: 'input_0.pb' })).toThrow(/cannot decode TensorProto/);
  });

  it('external data without a folder is an error', () => {
    const t = onnx.TensorProto.create({ name: 'e', dataType: DT.FLOAT, dims: [1], dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] });
    expect(() => decodeTensor(t, { source: '<bytes>', baseDir: undefined })).toThrow(/tensor 'e'.*external data 'w.bin' needs/);
  });
});
