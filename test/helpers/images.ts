// Synthetic but realistic model inputs: photo-like images and pages of text lines.
import { Rng } from './random.js';

/** ImageNet-normalised random image batch [n,3,h,w] with smooth regions (like photos, not noise). */
export function photo(n: number, h: number, w: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n * 3 * h * w);
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  for (let b = 0; b < n; b++) {
    const fx = 1 + rng.next() * 6;
    const fy = 1 + rng.next() * 6;
    for (let c = 0; c < 3; c++) {
      const phase = rng.next() * 6;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const v = 0.5 + 0.35 * Math.sin((fx * x) / w * 6.28 + phase) * Math.cos((fy * y) / h * 6.28) + 0.1 * (rng.next() - 0.5);
          out[((b * 3 + c) * h + y) * w + x] = (v - mean[c]!) / std[c]!;
        }
    }
  }
  return out;
}

/** A page of dark "text lines" on a light background, normalised as PaddleOCR does ((v-0.5)/0.5). */
export function textPage(n: number, h: number, w: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n * 3 * h * w);
  for (let b = 0; b < n; b++) {
    const ink = new Uint8Array(h * w);
    const lines = Math.max(1, Math.floor(h / 40));
    for (let l = 0; l < lines; l++) {
      const top = Math.floor(((l + 0.3) * h) / lines);
      const height = Math.max(4, Math.floor(h / lines / 3));
      let x = rng.int(2, Math.max(3, w / 10));
      while (x < w - 10) {
        const cw = rng.int(3, 12);
        for (let y = top; y < Math.min(h, top + height); y++) for (let xx = x; xx < Math.min(w, x + cw); xx++) if (rng.next() < 0.7) ink[y * w + xx] = 1;
        x += cw + rng.int(1, 6);
      }
    }
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < h * w; i++) out[(b * 3 + c) * h * w + i] = ((ink[i] ? 0.1 : 0.92) + 0.03 * (rng.next() - 0.5) - 0.5) / 0.5;
  }
  return out;
}
