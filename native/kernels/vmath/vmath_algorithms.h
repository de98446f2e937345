// The vmath algorithms, written once against SIMD primitives. NOT a normal header: each ISA file
// (vmath__scalar.cc, vmath__avx2.cc, ...) defines, inside its own anonymous namespace,
//   constexpr size_t kLanes;  types F (floats), I (int32), M (lane mask);
//   F splat(float); I isplat(int32_t); F load(const float*); void store(float*, F);
//   F add, sub, mul, div (F, F); F fmadd(F a, F b, F c) = a·b + c rounded once;
//   F vmax(F a, F b) = a > b ? a : b;  F vmin(F a, F b) = a < b ? a : b;
//   M gt, lt, ge (F, F); M isnan(F); F select(M m, F a, F b) = m ? a : b;
//   F fand, f_or, fxor (F, F) bitwise; I as_int(F); F as_float(I); I iadd, isub, iand (I, I);
//   I shl23(I); I sar1(I); I sar23(I); F to_float(I) (exact for |v| < 2^24);
// and then includes this file, so every path runs the same operations in the same order (see
// vmath.h). Constants are written as hexadecimal floats so they round the same everywhere.

// ---- constants ----
constexpr float kLog2e = 0x1.715476p+0f;
constexpr float kLn2Hi = 0x1.62E400p-1f;  // ln2 = kLn2Hi + kLn2Lo; n·kLn2Hi is exact for |n| < 2^9
constexpr float kLn2Lo = 0x1.7F7D1Cp-20f;
constexpr float kRoundMagic = 0x1.8p23f;  // adding it rounds |v| < 2^22 to an integer held in the low mantissa bits
// exp(r) ≈ 1 + r + r²·P(r) on |r| ≤ ln2/2 (Cephes expf).
constexpr float kExpP0 = 5.0000001201E-1f, kExpP1 = 1.6666665459E-1f, kExpP2 = 4.1665795894E-2f,
                kExpP3 = 8.3334519073E-3f, kExpP4 = 1.3981999507E-3f, kExpP5 = 1.9875691500E-4f;
constexpr float kExpMin = -104.0f;                   // exp(x) < 2^-150 below: rounds to 0
constexpr float kExpMax = 0x1.62E430p+6f;            // 88.72283935546875: exp rounds to +inf from here
// log(1+f) ≈ f − f²/2 + f³·Q(f) on f in [√½−1, √2−1] (Cephes logf).
constexpr float kLogQ0 = 3.3333331174E-1f, kLogQ1 = -2.4999993993E-1f, kLogQ2 = 2.0000714765E-1f,
                kLogQ3 = -1.6668057665E-1f, kLogQ4 = 1.4249322787E-1f, kLogQ5 = -1.2420140846E-1f,
                kLogQ6 = 1.1676998740E-1f, kLogQ7 = -1.1514610310E-1f, kLogQ8 = 7.0376836292E-2f;
constexpr float kLogLn2Hi = 0.693359375f, kLogLn2Lo = -2.12194440e-4f;
constexpr int32_t kSqrtHalfBits = 0x3f3504f3;  // √½
// erf(z)/z ≈ S(z²) on [0, kErfSplit] (minimax, relative error 8.5e-9).
constexpr float kErfSplit = 0.875f;
constexpr float kErfS0 = 1.1283791575604134f, kErfS1 = -0.37612550641632264f, kErfS2 = 0.11282456610061287f,
                kErfS3 = -0.026791500774965685f, kErfS4 = 0.005032230044644134f, kErfS5 = -0.0006203484118872254f;
// erfc(z)·exp(z²) ≈ N(z)/D(z) on [kErfSplit, 10.5] (minimax, relative error 2.0e-8).
constexpr float kErfcN0 = 0.9992139261991748f, kErfcN1 = 1.1558827777090568f, kErfcN2 = 0.597121664098005f,
                kErfcN3 = 0.14993832608562968f;
constexpr float kErfcD1 = 2.279234264402675f, kErfcD2 = 2.1841427511696914f, kErfcD3 = 1.0582031366689022f,
                kErfcD4 = 0.26576345013112623f;
constexpr float kErfClamp = 4.0f;       // erf(z) rounds to 1 beyond 3.92
constexpr float kGeluZClamp = 10.5f;    // erfc(z) < 2^-150 beyond 10.06
constexpr float kGeluXClamp = 14.849242f;  // kGeluZClamp·√2
constexpr float kInvSqrt2 = 0x1.6A09E6p-1f;
constexpr float kGeluTanhC0 = 1.5957691216057308f;  // 2·√(2/π)
constexpr float kGeluTanhC1 = 0.044715f;
constexpr float kTanhClamp = -10.0f;   // tanh rounds to ±1 beyond |x| = 9.02
constexpr float kExpm1Min = -20.0f;    // expm1 rounds to −1 below −17.4
constexpr float kMishClamp = 20.0f;    // tanh(softplus(x)) rounds to 1 beyond 9.1
constexpr int32_t kSignBits = static_cast<int32_t>(0x80000000u);
constexpr int32_t kQuietNanBits = 0x7fc00000;

inline F fsplat_bits(int32_t bits) { return as_float(isplat(bits)); }
inline F fabs_(F x) { return as_float(iand(as_int(x), isplat(0x7fffffff))); }
inline F neg_abs(F x) { return f_or(x, fsplat_bits(kSignBits)); }
// |mag| with the sign of sgn.
inline F copysign_(F mag, F sgn) { return f_or(fabs_(mag), fand(sgn, fsplat_bits(kSignBits))); }
inline F neg(F x) { return fxor(x, fsplat_bits(kSignBits)); }
inline F keep_nan(F x, F y) { return select(isnan(x), x, y); }
// lo > x ? lo : x, then hi < m ? hi : m: a NaN x passes through.
inline F clamp_(F x, F lo, F hi) { return vmin(hi, vmax(lo, x)); }

// exp without the NaN rule (callers put the input NaN back).
inline F exp_core(F x) {
  const F xc = vmin(vmax(x, splat(kExpMin)), splat(kExpMax));
  const F t = fmadd(xc, splat(kLog2e), splat(kRoundMagic));
  const F nf = sub(t, splat(kRoundMagic));
  const I n = isub(as_int(t), as_int(splat(kRoundMagic)));  // n in [-150, 128]
  F r = fmadd(nf, splat(-kLn2Hi), xc);
  r = fmadd(nf, splat(-kLn2Lo), r);
  F p = fmadd(splat(kExpP5), r, splat(kExpP4));
  p = fmadd(p, r, splat(kExpP3));
  p = fmadd(p, r, splat(kExpP2));
  p = fmadd(p, r, splat(kExpP1));
  p = fmadd(p, r, splat(kExpP0));
  F y = fmadd(p, mul(r, r), r);
  y = add(y, splat(1.0f));
  // 2^n as 2^e1·2^e2, both normal: exact for a normal result, one rounding for a subnormal one.
  const I e1 = sar1(n);
  const I e2 = isub(n, e1);
  const F s1 = as_float(shl23(iadd(e1, isplat(127))));
  const F s2 = as_float(shl23(iadd(e2, isplat(127))));
  return mul(mul(y, s1), s2);
}

// expm1(v) for v in [kExpm1Min, 0]: s·p + (s − 1) with s = 2^n exact and p = expm1(r).
inline F expm1_nonpositive(F v) {
  const F t = fmadd(v, splat(kLog2e), splat(kRoundMagic));
  const F nf = sub(t, splat(kRoundMagic));
  const I n = isub(as_int(t), as_int(splat(kRoundMagic)));  // n in [-29, 0]
  F r = fmadd(nf, splat(-kLn2Hi), v);
  r = fmadd(nf, splat(-kLn2Lo), r);
  F p = fmadd(splat(kExpP5), r, splat(kExpP4));
  p = fmadd(p, r, splat(kExpP3));
  p = fmadd(p, r, splat(kExpP2));
  p = fmadd(p, r, splat(kExpP1));
  p = fmadd(p, r, splat(kExpP0));
  p = fmadd(p, mul(r, r), r);
  const F s = as_float(shl23(iadd(n, isplat(127))));
  return fmadd(s, p, sub(s, splat(1.0f)));
}

// log for positive finite x; specials fixed up by log_f.
inline F log_core(F x) {
  const M tiny = lt(x, splat(0x1p-126f));
  const F xs = select(tiny, mul(x, splat(0x1p23f)), x);
  const F ebias = select(tiny, splat(-23.0f), splat(0.0f));
  const I ix = isub(as_int(xs), isplat(kSqrtHalfBits));
  const F fe = add(to_float(sar23(ix)), ebias);
  const F m = as_float(iadd(iand(ix, isplat(0x007fffff)), isplat(kSqrtHalfBits)));  // [√½, √2)
  const F f = sub(m, splat(1.0f));
  const F z = mul(f, f);
  F q = fmadd(splat(kLogQ8), f, splat(kLogQ7));
  q = fmadd(q, f, splat(kLogQ6));
  q = fmadd(q, f, splat(kLogQ5));
  q = fmadd(q, f, splat(kLogQ4));
  q = fmadd(q, f, splat(kLogQ3));
  q = fmadd(q, f, splat(kLogQ2));
  q = fmadd(q, f, splat(kLogQ1));
  q = fmadd(q, f, splat(kLogQ0));
  F y = mul(q, mul(f, z));
  y = fmadd(fe, splat(kLogLn2Lo), y);
  y = fmadd(z, splat(-0.5f), y);
  F r = add(f, y);
  return fmadd(fe, splat(kLogLn2Hi), r);
}

inline F log_f(F x) {
  F r = log_core(x);
  r = select(lt(x, splat(0.0f)), fsplat_bits(kQuietNanBits), r);
  r = select(ge(splat(0.0f), fabs_(x)), splat(-__builtin_huge_valf()), r);  // ±0
  r = select(ge(x, splat(__builtin_huge_valf())), x, r);
  return keep_nan(x, r);
}

inline F exp_f(F x) { return keep_nan(x, exp_core(x)); }

// sigmoid without the NaN rule.
inline F sigmoid_core(F x) {
  const F e = exp_core(neg_abs(x));
  const F d = add(splat(1.0f), e);
  const F num = select(gt(x, splat(0.0f)), splat(1.0f), e);
  return div(num, d);
}

inline F sigmoid_f(F x) { return keep_nan(x, sigmoid_core(x)); }

inline F tanh_f(F x) {
  const F z = vmax(neg_abs(x), splat(kTanhClamp));
  const F em1 = expm1_nonpositive(add(z, z));
  const F t = div(em1, add(em1, splat(2.0f)));  // tanh(z) <= 0
  return keep_nan(x, copysign_(t, x));
}

// erf(z)/z ≈ S(z²) for |z| < kErfSplit.
inline F erf_small_ratio(F z2) {
  F s = fmadd(splat(kErfS5), z2, splat(kErfS4));
  s = fmadd(s, z2, splat(kErfS3));
  s = fmadd(s, z2, splat(kErfS2));
  s = fmadd(s, z2, splat(kErfS1));
  return fmadd(s, z2, splat(kErfS0));
}

// erfc(z) for z >= kErfSplit, given z²  = hi + lo exactly: exp(−hi)·R(z)·(1 − lo).
inline F erfc_large(F z, F hi, F lo) {
  F num = fmadd(splat(kErfcN3), z, splat(kErfcN2));
  num = fmadd(num, z, splat(kErfcN1));
  num = fmadd(num, z, splat(kErfcN0));
  F den = fmadd(splat(kErfcD4), z, splat(kErfcD3));
  den = fmadd(den, z, splat(kErfcD2));
  den = fmadd(den, z, splat(kErfcD1));
  den = fmadd(den, z, splat(1.0f));
  const F ratio = div(num, den);
  const F corrected = fmadd(neg(lo), ratio, ratio);
  return mul(exp_core(neg(hi)), corrected);
}

inline F erf_f(F x) {
  const F a = fabs_(x);
  const F small = mul(a, erf_small_ratio(mul(a, a)));
  const F ac = vmin(a, splat(kErfClamp));
  const F hi = mul(ac, ac);
  const F lo = fmadd(ac, ac, neg(hi));
  const F large = sub(splat(1.0f), erfc_large(ac, hi, lo));
  const F r = select(lt(a, splat(kErfSplit)), small, large);
  return keep_nan(x, copysign_(r, x));
}

inline F gelu_erf_f(F x) {
  const F z = mul(x, splat(kInvSqrt2));
  const F a = fabs_(z);
  // |z| < split: Φ = ½ + ½·erf(z).
  const F e = mul(z, erf_small_ratio(mul(z, z)));
  const F phi_small = fmadd(e, splat(0.5f), splat(0.5f));
  // Otherwise from erfc(|z|), with |z|² = x²/2 split exactly.
  const F xc = vmin(vmax(x, splat(-kGeluXClamp)), splat(kGeluXClamp));
  const F xx = mul(xc, xc);
  const F xx_lo = fmadd(xc, xc, neg(xx));
  const F half_erfc = mul(splat(0.5f), erfc_large(vmin(a, splat(kGeluZClamp)), mul(xx, splat(0.5f)), mul(xx_lo, splat(0.5f))));
  const F phi_large = select(gt(x, splat(0.0f)), sub(splat(1.0f), half_erfc), half_erfc);
  const F phi = select(lt(a, splat(kErfSplit)), phi_small, phi_large);
  return keep_nan(x, mul(x, phi));
}

inline F gelu_tanh_f(F x) {
  const F k = fmadd(mul(x, x), splat(kGeluTanhC1), splat(1.0f));
  const F u = mul(mul(x, splat(kGeluTanhC0)), k);
  return keep_nan(x, mul(x, sigmoid_core(u)));
}

inline F softplus_f(F x) {
  const F e = exp_core(neg_abs(x));
  const F u = add(splat(1.0f), e);
  const F um1 = sub(u, splat(1.0f));
  // log1p(e) = log(u)·e/(u−1), exact enough because u−1 is exact; e itself where u rounds to 1.
  const F l = select(ge(splat(0.0f), um1), e, mul(log_core(u), div(e, um1)));
  return keep_nan(x, add(vmax(x, splat(0.0f)), l));
}

inline F mish_f(F x) {
  const F e = exp_core(vmin(x, splat(kMishClamp)));
  const F n = mul(e, add(e, splat(2.0f)));
  return keep_nan(x, mul(x, div(n, add(n, splat(2.0f)))));
}

inline F elu_f(F x, F alpha, F gamma) {
  const F em1 = expm1_nonpositive(vmin(vmax(x, splat(kExpm1Min)), splat(0.0f)));
  const F r = select(gt(x, splat(0.0f)), mul(gamma, x), mul(gamma, mul(alpha, em1)));
  return keep_nan(x, r);
}

inline F celu_f(F x, F alpha) {
  const F v = div(x, alpha);
  const F em1 = expm1_nonpositive(vmin(vmax(v, splat(kExpm1Min)), splat(0.0f)));
  const F r = select(gt(x, splat(0.0f)), x, mul(alpha, em1));
  return keep_nan(x, r);
}

inline F hard_sigmoid_f(F x, F alpha, F beta) { return clamp_(add(mul(alpha, x), beta), splat(0.0f), splat(1.0f)); }

inline F max_nan(F a, F b) { return select(isnan(a), a, vmax(a, b)); }
inline F min_nan(F a, F b) { return select(isnan(a), a, vmin(a, b)); }
inline F prelu_f(F x, F slope) { return select(lt(x, splat(0.0f)), mul(slope, x), x); }

// ---- array loops: whole vectors, then the tail through a zero-padded buffer ----
template <class Fn>
inline void map_unary(const float* x, float* y, size_t n, Fn fn) {
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) store(y + i, fn(load(x + i)));
  if (i < n) {
    float buf[kLanes] = {};
    for (size_t j = 0; j < n - i; ++j) buf[j] = x[i + j];
    store(buf, fn(load(buf)));
    for (size_t j = 0; j < n - i; ++j) y[i + j] = buf[j];
  }
}

template <class Fn>
inline void map_binary(const float* a, const float* b, float* y, size_t n, VBroadcast mode, Fn fn) {
  size_t i = 0;
  if (mode == VBroadcast::kVV) {
    for (; i + kLanes <= n; i += kLanes) store(y + i, fn(load(a + i), load(b + i)));
  } else if (mode == VBroadcast::kVS) {
    const F bv = splat(*b);
    for (; i + kLanes <= n; i += kLanes) store(y + i, fn(load(a + i), bv));
  } else {
    const F av = splat(*a);
    for (; i + kLanes <= n; i += kLanes) store(y + i, fn(av, load(b + i)));
  }
  if (i < n) {
    float abuf[kLanes] = {}, bbuf[kLanes] = {};
    for (size_t j = 0; j < n - i; ++j) {
      abuf[j] = mode == VBroadcast::kSV ? *a : a[i + j];
      bbuf[j] = mode == VBroadcast::kVS ? *b : b[i + j];
    }
    store(abuf, fn(load(abuf), load(bbuf)));
    for (size_t j = 0; j < n - i; ++j) y[i + j] = abuf[j];
  }
}

// The canonical 16-lane order: F acc[kGroup] covers lanes 0..15 of each block of 16 elements.
constexpr size_t kCanonicalLanes = 16;
constexpr size_t kGroup = kCanonicalLanes / kLanes;

template <class Combine>
inline float combine_lanes(const F* acc, Combine combine) {
  float lanes[kCanonicalLanes];
  for (size_t g = 0; g < kGroup; ++g) store(lanes + g * kLanes, acc[g]);
  for (size_t width = kCanonicalLanes / 2; width >= 1; width /= 2)
    for (size_t j = 0; j < width; ++j) lanes[j] = combine(lanes[j], lanes[j + width]);
  return lanes[0];
}

inline float reduce_max_impl(const float* x, size_t n) {
  const float lowest = -__builtin_huge_valf();
  F acc[kGroup];
  for (size_t g = 0; g < kGroup; ++g) acc[g] = splat(lowest);
  size_t i = 0;
  for (; i + kCanonicalLanes <= n; i += kCanonicalLanes)
    for (size_t g = 0; g < kGroup; ++g) acc[g] = vmax(acc[g], load(x + i + g * kLanes));
  if (i < n) {
    float buf[kCanonicalLanes];
    for (size_t j = 0; j < kCanonicalLanes; ++j) buf[j] = i + j < n ? x[i + j] : lowest;
    for (size_t g = 0; g < kGroup; ++g) acc[g] = vmax(acc[g], load(buf + g * kLanes));
  }
  return combine_lanes(acc, [](float p, float q) { return p > q ? p : q; });
}

inline float exp_shifted_sum_impl(const float* x, float* y, size_t n, float shift) {
  const F s = splat(shift);
  F acc[kGroup];
  for (size_t g = 0; g < kGroup; ++g) acc[g] = splat(0.0f);
  size_t i = 0;
  for (; i + kCanonicalLanes <= n; i += kCanonicalLanes)
    for (size_t g = 0; g < kGroup; ++g) {
      const F e = exp_f(sub(load(x + i + g * kLanes), s));
      store(y + i + g * kLanes, e);
      acc[g] = add(acc[g], e);
    }
  if (i < n) {
    float buf[kCanonicalLanes];
    for (size_t j = 0; j < kCanonicalLanes; ++j) buf[j] = i + j < n ? x[i + j] : 0.0f;
    for (size_t g = 0; g < kGroup; ++g) {
      F e = exp_f(sub(load(buf + g * kLanes), s));
      store(buf + g * kLanes, e);
    }
    for (size_t j = 0; j < kCanonicalLanes; ++j) {
      if (i + j < n) y[i + j] = buf[j];
      else buf[j] = 0.0f;  // padding adds +0
    }
    for (size_t g = 0; g < kGroup; ++g) acc[g] = add(acc[g], load(buf + g * kLanes));
  }
  return combine_lanes(acc, [](float p, float q) { return p + q; });
}

// ---- the table entries ----
inline void exp_array(const float* x, float* y, size_t n) { map_unary(x, y, n, [](F v) { return exp_f(v); }); }
inline void log_array(const float* x, float* y, size_t n) { map_unary(x, y, n, [](F v) { return log_f(v); }); }
inline void sigmoid_array(const float* x, float* y, size_t n) { map_unary(x, y, n, [](F v) { return sigmoid_f(v); }); }
inline void tanh_array(const float* x, float* y, size_t n) { map_unary(x, y, n, [](F v) { return tanh_f(v); }); }
inline void erf_array(const float* x, float* y, size_t n) { map_unary(x, y, n, [](F v) { return erf_f(v); }); }
inline void gelu_erf_array(const float* x, float* y, size_t n) { map_unary(x, y, n, [](F v) { return gelu_erf_f(v); }); }
inline void gelu_tanh_array(const float* x, float* y, size_t n) { map_unary(x, y, n, [](F v) { return gelu_tanh_f(v); }); }
inline void softplus_array(const float* x, float* y, size_t n) { map_unary(x, y, n, [](F v) { return softplus_f(v); }); }
inline void mish_array(const float* x, float* y, size_t n) { map_unary(x, y, n, [](F v) { return mish_f(v); }); }
inline void elu_array(const float* x, float* y, size_t n, float alpha, float gamma) {
  const F a = splat(alpha), g = splat(gamma);
  map_unary(x, y, n, [a, g](F v) { return elu_f(v, a, g); });
}
inline void celu_array(const float* x, float* y, size_t n, float alpha) {
  const F a = splat(alpha);
  map_unary(x, y, n, [a](F v) { return celu_f(v, a); });
}
inline void clamp_array(const float* x, float* y, size_t n, float lo, float hi) {
  const F l = splat(lo), h = splat(hi);
  map_unary(x, y, n, [l, h](F v) { return clamp_(v, l, h); });
}
inline void leaky_relu_array(const float* x, float* y, size_t n, float alpha) {
  const F a = splat(alpha);
  map_unary(x, y, n, [a](F v) { return prelu_f(v, a); });
}
inline void hard_sigmoid_array(const float* x, float* y, size_t n, float alpha, float beta) {
  const F a = splat(alpha), b = splat(beta);
  map_unary(x, y, n, [a, b](F v) { return hard_sigmoid_f(v, a, b); });
}
inline void hard_swish_array(const float* x, float* y, size_t n) {
  map_unary(x, y, n, [](F v) { return mul(v, clamp_(add(mul(v, splat(1.0f / 6.0f)), splat(0.5f)), splat(0.0f), splat(1.0f))); });
}

template <VBinaryOp Op>
inline F binary_op(F a, F b) {
  if constexpr (Op == VBinaryOp::kAdd) return add(a, b);
  else if constexpr (Op == VBinaryOp::kSub) return sub(a, b);
  else if constexpr (Op == VBinaryOp::kMul) return mul(a, b);
  else if constexpr (Op == VBinaryOp::kDiv) return div(a, b);
  else if constexpr (Op == VBinaryOp::kMax) return max_nan(a, b);
  else if constexpr (Op == VBinaryOp::kMin) return min_nan(a, b);
  else return prelu_f(a, b);
}

template <VBinaryOp Op, VBroadcast Mode>
void binary_array(const float* a, const float* b, float* y, size_t n) {
  map_binary(a, b, y, n, Mode, [](F p, F q) { return binary_op<Op>(p, q); });
}

#define OCTET_VMATH_BINARY_ROW(op) \
  { binary_array<op, VBroadcast::kVV>, binary_array<op, VBroadcast::kVS>, binary_array<op, VBroadcast::kSV> }

// Each ISA file ends with: const VMathKernels kTable = OCTET_VMATH_TABLE(Isa::kX);
#define OCTET_VMATH_TABLE(isa_value)                                                                        \
  VMathKernels {                                                                                             \
    isa_value, exp_array, log_array, sigmoid_array, tanh_array, erf_array, gelu_erf_array, gelu_tanh_array, \
        softplus_array, mish_array, elu_array, celu_array, clamp_array, leaky_relu_array, hard_sigmoid_array, \
        hard_swish_array,                                                                                    \
        {OCTET_VMATH_BINARY_ROW(VBinaryOp::kAdd), OCTET_VMATH_BINARY_ROW(VBinaryOp::kSub),                   \
         OCTET_VMATH_BINARY_ROW(VBinaryOp::kMul), OCTET_VMATH_BINARY_ROW(VBinaryOp::kDiv),                   \
         OCTET_VMATH_BINARY_ROW(VBinaryOp::kMax), OCTET_VMATH_BINARY_ROW(VBinaryOp::kMin),                   \
         OCTET_VMATH_BINARY_ROW(VBinaryOp::kPRelu)},                                                         \
        reduce_max_impl, exp_shifted_sum_impl                                                                \
  }
