// Debian's dataset-fashion-mnist (idx files, gzipped), preprocessed as the shared fashion_cnn expects:
// x = (pixel / 255 - 0.2860) / 0.3530, images [N, 1, 28, 28].
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const fashionMnistPresent = existsSync(`${FASHION_MNIST_DIR}/t10k-images-idx3-ubyte.gz`);

export interface FashionMnist {
  images: Uint8Array;  // count × 784 pixels
  labels: Uint8Array;
  count: number;
}

export function loadFashionMnist(split: 'train' | 't10k'): FashionMnist {
  const images = gunzipSync(readFileSync(`${FASHION_MNIST_DIR}/${split}-images-idx3-ubyte.gz`)).subarray(16);
  const labels = gunzipSync(readFileSync(`${FASHION_MNIST_DIR}/${split}-labels-idx1-ubyte.gz`)).subarray(8);
  return { images, labels, count: labels.length };
}

/** Images [first, first + n) as the model's float input. */
export function fashionBatch(set: FashionMnist, first: number, n: number): Float32Array {
  const x = new Float32Array(n * 784);
  for (let k = 0; k < n * 784; k++) x[k] = (set.images[first * 784 + k]! / 255 - 0.286) / 0.353;
  return x;
}
