/**
 * The three names of an element type: the ONNX name the model uses ('float32', 'bool'...), the
 * Tensor type users see (the same strings, as in onnxruntime-common) and the numeric code native uses
 * (ONNX TensorProto.DataType).
 */
import type { OnnxElemType, TensorData as OnnxTensorData } from '../onnx/model.js';
import { dtypeCode } from '../schedule/build-plan.js';
import { arrayTypeOf, type TensorData, type TensorType } from '../tensor.js';

/** The native dtype code of an ONNX element type, or undefined when the runtime cannot hold it. */
export { dtypeCode };

const TENSOR_TYPES: readonly TensorType[] = ['float32', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'bool', 'float16', 'float64', 'uint32', 'uint64'];

/** ONNX element types that are also Tensor types (everything the runtime holds). */
export function tensorTypeOf(type: OnnxElemType): TensorType | undefined {
  return dtypeCode(type) === undefined ? undefined : (type as TensorType);
}

/** A zero-filled TypedArray for `count` elements of `type`. */
export function allocate(type: TensorType, count: number): TensorData {
  const ArrayType = arrayTypeOf(type) as unknown as new (n: number) => TensorData;
  return new ArrayType(count);
}

/**
 * A new array for a run's result, which the run writes in full before anyone sees it: not zero-filled
 * (the fill was a tenth of a small convolution layer's run). Small arrays come zeroed from V8's heap,
 * where that costs nothing.
 */
export function allocateForResult(type: TensorType, count: number): TensorData {
  const ArrayType = arrayTypeOf(type) as unknown as { new (n: number): TensorData; new (b: ArrayBuffer, offset: number, length: number): TensorData; BYTES_PER_ELEMENT: number };
  const bytes = count * ArrayType.BYTES_PER_ELEMENT;
  if (bytes < 4096) return new ArrayType(count);
  const buffer = Buffer.allocUnsafeSlow(bytes);
  return new ArrayType(buffer.buffer as ArrayBuffer, buffer.byteOffset, count);
}

/** Whether decoded initializer data can be handed to native as is (strings cannot). */
export function isNumericData(data: OnnxTensorData): data is Exclude<OnnxTensorData, string[]> {
  return !Array.isArray(data);
}

const TYPE_OF_CODE = new Map<number, TensorType>(TENSOR_TYPES.map((name) => [dtypeCode(name)!, name]));

/** The Tensor type of a native dtype code (throws for a code the runtime never produces). */
export function tensorTypeOfCode(code: number): TensorType {
  const type = TYPE_OF_CODE.get(code);
  if (type === undefined) throw new TypeError(`octet: unknown element type code ${code}`);
  return type;
}
