/**
 * Calibration observers: what a tensor's values looked like over the calibration data, kept in
 * bounded memory however many batches pass. MinMaxObserver keeps the running extremes; the histogram
 * keeps HISTOGRAM_BINS counts over a range that doubles (merging neighbouring bins) whenever new
 * values fall outside it, so one pass suffices and percentiles come out of it at the end.
 */

export interface Range {
  min: number;
  max: number;
}

export class MinMaxObserver {
  min = Infinity;
  max = -Infinity;
  count = 0;

  update(data: ArrayLike<number>): void {
    let lo = this.min, hi = this.max;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      // NaN compares false both ways: it is caught below, by count of finite values.
    }
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) throw new RangeError(`calibration produced a ${data[i]} value`);
    this.min = lo;
    this.max = hi;
    this.count += data.length;
  }

  range(): Range {
    if (this.count === 0) throw new RangeError('no calibration values were observed');
    return { min: this.min, max: this.max };
  }
}

/**
 * Exponential moving average of each batch's min and max (constant c: new = old + c·(batch − old)), as
 * onnxruntime's moving-average min/max calibration: a few extreme batches move the range less.
 */
export class MovingAverageObserver {
  private min = NaN;
  private max = NaN;
  readonly minMax = new MinMaxObserver();

  constructor(private readonly c: number) {}

  update(data: ArrayLike<number>): void {
    const batch = new MinMaxObserver();
    batch.update(data);
    this.minMax.update(data);
    if (Number.isNaN(this.min)) {
      this.min = batch.min;
      this.max = batch.max;
    } else {
      this.min += this.c * (batch.min - this.min);
      this.max += this.c * (batch.max - this.max);
    }
  }

  range(): Range {
    this.minMax.range();  // throws when nothing was observed
    return { min: this.min, max: this.max };
  }
}

export const HISTOGRAM_BINS = 2048;

/** A histogram over [lo, hi) with HISTOGRAM_BINS bins; the range grows by doubling to hold every value. */
export class HistogramObserver {
  private counts = new Float64Array(HISTOGRAM_BINS);
  private lo = 0;
  private hi = 0;
  private total = 0;
  readonly minMax = new MinMaxObserver();

  update(data: ArrayLike<number>): void {
    this.minMax.update(data);
    const { min, max } = this.minMax;
    if (this.total === 0 && this.hi === this.lo) {
      // First values: a range around them (a constant tensor gets a unit range).
      this.lo = min;
      this.hi = max > min ? max : min + 1;
    }
    while (min < this.lo || max >= this.hi) this.grow(min < this.lo);
    const width = (this.hi - this.lo) / HISTOGRAM_BINS;
    for (let i = 0; i < data.length; i++) {
      const b = Math.min(HISTOGRAM_BINS - 1, Math.floor((data[i]! - this.lo) / width));
      this.counts[b]! += 1;
    }
    this.total += data.length;
  }

  /** Doubles the range towards lower or higher values; pairs of bins merge into one. */
  private grow(down: boolean): void {
    const span = this.hi - this.lo;
    const merged = new Float64Array(HISTOGRAM_BINS);
    const offset = down ? HISTOGRAM_BINS / 2 : 0;
    for (let b = 0; b < HISTOGRAM_BINS; b++) merged[offset + (b >> 1)]! += this.counts[b]!;
    this.counts = merged;
    if (down) this.lo -= span;
    else this.hi += span;
  }

  /**
   * The range keeping the central `percent` of the values: the (100 - percent)/2 % lowest and highest
   * are clipped (at bin resolution), then widened to include 0 as quantization requires.
   */
  percentileRange(percent: number): Range {
    const exact = this.minMax.range();
    if (this.total === 0) return exact;
    const tail = (this.total * (100 - percent)) / 200;
    const width = (this.hi - this.lo) / HISTOGRAM_BINS;
    let acc = 0, lo = exact.min, hi = exact.max;
    for (let b = 0; b < HISTOGRAM_BINS; b++) {
      acc += this.counts[b]!;
      if (acc > tail) {
        lo = Math.max(exact.min, this.lo + b * width);
        break;
      }
    }
    acc = 0;
    for (let b = HISTOGRAM_BINS - 1; b >= 0; b--) {
      acc += this.counts[b]!;
      if (acc > tail) {
        hi = Math.min(exact.max, this.lo + (b + 1) * width);
        break;
      }
    }
    return { min: lo, max: hi };
  }
}

/**
 * A histogram of |x| over [0, top) with HISTOGRAM_BINS bins, the top doubling as larger values arrive
 * (bins merge in pairs): what the entropy and MSE methods search for a clipping threshold in.
 */
export class AbsHistogramObserver {
  private counts = new Float64Array(HISTOGRAM_BINS);
  private top = 0;
  readonly minMax = new MinMaxObserver();

  update(data: ArrayLike<number>): void {
    this.minMax.update(data);
    const peak = Math.max(Math.abs(this.minMax.min), Math.abs(this.minMax.max));
    if (this.top === 0) this.top = peak > 0 ? peak * (1 + 1e-6) : 1;
    while (peak >= this.top) {
      const merged = new Float64Array(HISTOGRAM_BINS);
      for (let b = 0; b < HISTOGRAM_BINS; b++) merged[b >> 1]! += this.counts[b]!;
      this.counts = merged;
      this.top *= 2;
    }
    const width = this.top / HISTOGRAM_BINS;
    for (let i = 0; i < data.length; i++) this.counts[Math.min(HISTOGRAM_BINS - 1, Math.floor(Math.abs(data[i]!) / width))]! += 1;
  }

  /** Counts and the width of a bin. */
  histogram(): { counts: Float64Array; width: number } {
    return { counts: this.counts, width: this.top / HISTOGRAM_BINS };
  }
}
