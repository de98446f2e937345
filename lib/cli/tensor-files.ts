/**
 * Tensors from files for the command line: NumPy `.npy` (little-endian float32, float64, int64, int32,
 * uint8, int8; C order) and ONNX TensorProto `.pb` (the ONNX test-data format). A calibration folder
 * holds one file per batch for a single-input model, or one sub-folder per batch with a file per input
 * (named after the input) for several inputs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { readTensor } from '../onnx/index.js';
import { Tensor, type TensorType } from '../tensor.js';

const NPY_TYPES: Record<string, TensorType> = { '<f4': 'float32', '<f8': 'float64', '<i8': 'int64', '<i4': 'int32', '|u1': 'uint8', '|i1': 'int8', '<u1': 'uint8', '<i1': 'int8' };

export function readNpy(bytes: Uint8Array, where: string): Tensor {
  const magic = String.fromCharCode(...bytes.subarray(0, 6));
  if (magic !== '\x93NUMPY') throw new Error(`${where}: not a .npy file`);
  const major = bytes[6]!;
  const headerLength = major === 1 ? bytes[8]! | (bytes[9]! << 8) : new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error(`${where}: unreadable .npy header ${header.trim()}`);
  if (fortran === 'True') throw new Error(`${where}: Fortran-order arrays are not supported`);
  const type = NPY_TYPES[descr];
  if (!type) throw new TypeError(`${where}: element type ${descr} is not supported (float32, float64, int64, int32, uint8, int8)`);
  const dims = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const data = bytes.slice(start + headerLength);
  const Ctor = { float32: Float32Array, float64: Float64Array, int64: BigInt64Array, int32: Int32Array, uint8: Uint8Array, int8: Int8Array }[type as 'float32'];
  if (data.byteLength < count * Ctor.BYTES_PER_ELEMENT) throw new RangeError(`${where}: ${data.byteLength} bytes of data for shape (${dims.join(', ')})`);
  return new Tensor(type, new Ctor(data.buffer, 0, count) as Float32Array, dims);
}

export function readTensorFile(path: string): Tensor {
  const bytes = new Uint8Array(readFileSync(path));
  if (extname(path) === '.npy') return readNpy(bytes, path);
  if (extname(path) === '.pb') {
    const t = readTensor(bytes, { source: path });
    return new Tensor(t.type as TensorType, t.data as Float32Array, t.dims);
  }
  throw new Error(`${path}: expected a .npy or .pb tensor file`);
}

const isTensorFile = (name: string) => ['.npy', '.pb'].includes(extname(name));

/** The feeds of a calibration folder, read one batch at a time (the folder may be large). */
export function* calibrationFeeds(folder: string, inputNames: readonly string[]): Generator<Record<string, Tensor>> {
  const entries = readdirSync(folder).sort();
  if (entries.length === 0) throw new Error(`${folder}: the calibration folder is empty`);
  for (const entry of entries) {
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) {
      const feeds: Record<string, Tensor> = {};
      for (const file of readdirSync(path).filter(isTensorFile)) feeds[basename(file, extname(file))] = readTensorFile(join(path, file));
      yield feeds;
    } else if (isTensorFile(entry)) {
      if (inputNames.length !== 1) throw new Error(`${path}: the model has ${inputNames.length} inputs; give one sub-folder per batch with a file per input`);
      yield { [inputNames[0]!]: readTensorFile(path) };
    }
  }
}
