/**
 * The three names of an element type: the ONNX name the model uses ('float32', 'bool'...), the
 * Tensor type users see (the same strings, as in onnxruntime-common) and the numeric code native uses
 * (ONNX TensorProto.DataType).
 */
import { binding } from '../binding.js';
import { ownResultBuffer } from '../result-memory.js';
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

/**
 * A new array for a run's result, which the run writes in full before anyone sees it: not cleared.
 * With `recycled` (run(), which returns to the event loop), large ones come from native memory that
 * goes back to a pool once the tensor is collected or disposed of: fresh pages cost a fault each on
 * first touch, a quarter of a 56x56 convolution layer's run. The pool refills between turns of the event loop, so a
 * runSync() loop, which never yields, takes plain uncleared buffers instead. Small ones come from
 * V8's heap, zeroed at no cost.
 */
export function allocateForResult(type: TensorType, count: number, recycled: boolean): TensorData {
  const ArrayType = arrayTypeOf(type) as unknown as { new (n: number): TensorData; new (b: ArrayBuffer, offset: number, length: number): TensorData; BYTES_PER_ELEMENT: number };
  const bytes = count * ArrayType.BYTES_PER_ELEMENT;
  if (bytes < RECYCLED_RESULT_BYTES) return new ArrayType(count);
  const buffer = recycled ? binding.allocResultBuffer(bytes) : (Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer);
  ownResultBuffer(buffer);  // Tensor.dispose() may hand it back early
  return new ArrayType(buffer, 0, count);
}

/** Results from this size up use recycled native memory. */
const RECYCLED_RESULT_BYTES = 64 * 1024;

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
