/**
 * Error constructors shared by every operator. Messages always read
 * "<op>: <argument> <what was expected>, got <what was received>" so a failing call can be fixed
 * from the message alone, the same shape the native addon uses for the errors it raises itself.
 */

/** Short, stable rendering of any received value for error messages (never dumps whole arrays). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'boolean' || typeof value === 'symbol') return String(value);
  if (typeof value === 'function') return 'a function';
  if (ArrayBuffer.isView(value)) {
    const length = (value as unknown as { length?: number }).length;
    return `${value.constructor.name}(${length ?? value.byteLength})`;
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const maybeTensor = value as { type?: unknown; dims?: unknown };
  if (typeof maybeTensor.type === 'string' && Array.isArray(maybeTensor.dims)) {
    return `${withArticle(maybeTensor.type)} Tensor with dims ${formatDims(maybeTensor.dims as number[])}`;
  }
  const name = (value as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/** "a uint8", "an int8": the article a type name takes in a sentence. */
export function withArticle(word: string): string {
  return `${/^[aeio]/i.test(word) ? 'an' : 'a'} ${word}`; // "a uint8" is read "a you-int"
}

/** Dims as the messages print them: "[2,3]", "[]" for a scalar. */
export function formatDims(dims: readonly number[]): string {
  return `[${dims.join(',')}]`;
}

export function typeError(op: string, message: string): TypeError {
  return new TypeError(`${op}: ${message}`);
}

export function rangeError(op: string, message: string): RangeError {
  return new RangeError(`${op}: ${message}`);
}
