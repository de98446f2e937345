/**
 * Clipping thresholds from a histogram of |x| ("min/max tweaking": a uniform grid spends its levels on
 * rare outliers otherwise). Both return T; the activation's range is then [max(min, -T), min(max, T)].
 *
 * - entropy (as TensorRT's calibrator): for each candidate T at a bin edge from `levels` bins up, the
 *   distribution P of the first bins (everything beyond folded into the last) is compared with Q, P
 *   squeezed into `levels` quantization bins and spread back over the bins it came from (zero bins
 *   stay zero); T minimises the KL divergence KL(P || Q).
 * - mse: T minimises the expected squared error of quantizing the histogram with a grid of `levels`
 *   steps over [0, T]: clipped values cost (|x| - T)², kept ones the uniform rounding error step²/12.
 */

/**
 * KL(P || Q) of two unnormalised histograms. As TensorRT's calibrator does, bins where one is zero and
 * the other is not get a small share (eps each) moved onto them (smoothing) instead of an infinite
 * divergence. The share is taken from the nonzero bins in proportion to their mass, so a small bin
 * never goes negative. (Subtracting an equal share from each, as the reference code does, can make a
 * small nonzero bin negative; skipping it then dropped the outlier bin's term from the sum, and a
 * sparse histogram — an 8-bit image's 128 distinct |x| values over 2048 bins — got a clipping
 * threshold near zero.)
 */
function klDivergence(p: Float64Array, q: Float64Array): number {
  const smooth = (h: Float64Array): Float64Array | null => {
    const eps = 1e-4;
    let total = 0, zeros = 0;
    for (const v of h) {
      total += v;
      if (v === 0) zeros++;
    }
    if (total === 0 || zeros === h.length) return null;
    const keep = 1 - Math.min(0.5, eps * zeros);
    const out = new Float64Array(h.length);
    for (let i = 0; i < h.length; i++) out[i] = h[i]! === 0 ? (1 - keep) / zeros : (h[i]! / total) * keep;
    return out;
  };
  const ps = smooth(p), qs = smooth(q);
  if (!ps || !qs) return Infinity;
  let kl = 0;
  for (let i = 0; i < ps.length; i++) kl += ps[i]! * Math.log(ps[i]! / qs[i]!);
  return kl;
}

export function entropyThreshold(counts: Float64Array, width: number, levels = 128): number {
  const n = counts.length;
  let best = n, bestKl = Infinity;
  for (let i = levels; i <= n; i++) {
    const p = counts.slice(0, i);
    let outliers = 0;
    for (let k = i; k < n; k++) outliers += counts[k]!;
    p[i - 1]! += outliers;
    // Q: the first i bins merged into `levels` groups, each group's total spread over the bins of the
    // group where P is nonzero.
    const q = new Float64Array(i);
    for (let j = 0; j < levels; j++) {
      const start = Math.floor((j * i) / levels), stop = Math.floor(((j + 1) * i) / levels);
      let total = 0, nonzero = 0;
      for (let k = start; k < stop; k++) {
        total += counts[k]!;
        if (p[k]! !== 0) nonzero++;
      }
      if (nonzero === 0) continue;
      for (let k = start; k < stop; k++) if (p[k]! !== 0) q[k] = total / nonzero;
    }
    const kl = klDivergence(p, q);
    if (kl < bestKl) {
      bestKl = kl;
      best = i;
    }
  }
  return best * width;
}

export function mseThreshold(counts: Float64Array, width: number, levels = 255): number {
  const n = counts.length;
  let best = n, bestErr = Infinity;
  for (let i = 16; i <= n; i++) {
    const t = i * width;
    const step = t / levels;
    let err = 0;
    for (let k = 0; k < n; k++) {
      if (counts[k]! === 0) continue;
      const center = (k + 0.5) * width;
      err += counts[k]! * (center > t ? (center - t) ** 2 : (step * step) / 12);
    }
    if (err < bestErr) {
      bestErr = err;
      best = i;
    }
  }
  return best * width;
}
