/** A seeded source of doubles in [0, 1): xoshiro128** seeded through splitmix32, 53-bit resolution. */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  return () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

// log(k!) − [(k + ½)·log(k + 1) − (k + 1) + ½·log(2π)] for k = 0…9 (Stirling's tail).
const STIRLING_TAIL = [
  0.08106146679532726, 0.04134069595540929, 0.02767792568499834, 0.02079067210376509, 0.01664469118982119,
  0.01387612882307075, 0.01189670994589177, 0.01041126526197209, 0.009255462182712733, 0.008330563433362871,
];

function stirlingTail(k: number): number {
  if (k <= 9) return STIRLING_TAIL[k]!;
  const kp1 = k + 1;
  const kp1sq = kp1 * kp1;
  return (1 / 12 - (1 / 360 - 1 / 1260 / kp1sq) / kp1sq) / kp1;
}

/** Binomial(n, p) draws: inversion for a small mean, Hörmann's BTRD otherwise; exact, seeded. */
export function binomial(n: number, p: number, random: Random): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(n, 1 - p, random);
  if (n * p < 10) return binomialInversion(n, p, random);
  return binomialBtrd(n, p, random);
}

function binomialInversion(n: number, p: number, random: Random): number {
  const q = 1 - p;
  const s = p / q;
  const a = (n + 1) * s;
  for (;;) {
    let r = Math.pow(q, n);
    let u = random();
    let x = 0;
    while (u > r) {
      u -= r;
      x += 1;
      if (x > n) break;
      r *= a / x - s;
    }
    if (x <= n) return x;
  }
}

function binomialBtrd(n: number, p: number, random: Random): number {
  const m = Math.floor((n + 1) * p);
  const r = p / (1 - p);
  const nr = (n + 1) * r;
  const npq = n * p * (1 - p);
  const sqrtNpq = Math.sqrt(npq);
  const b = 1.15 + 2.53 * sqrtNpq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const alpha = (2.83 + 5.1 / b) * sqrtNpq;
  const vr = 0.92 - 4.2 / b;
  const urvr = 0.86 * vr;
  for (;;) {
    let v = random();
    let u: number;
    if (v <= urvr) {
      u = v / vr - 0.43;
      return Math.floor(((2 * a) / (0.5 - Math.abs(u)) + b) * u + c);
    }
    if (v >= vr) {
      u = random() - 0.5;
    } else {
      u = v / vr - 0.93;
      u = Math.sign(u) * 0.5 - u;
      v = random() * vr;
    }
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    v = (v * alpha) / (a / (us * us) + b);
    const km = Math.abs(k - m);
    if (km <= 15) {
      let f = 1;
      if (m < k) {
        for (let i = m + 1; i <= k; i++) f *= nr / i - r;
      } else if (m > k) {
        for (let i = k + 1; i <= m; i++) v *= nr / i - r;
      }
      if (v <= f) return k;
      continue;
    }
    v = Math.log(v);
    const rho = (km / npq) * (((km / 3 + 0.625) * km + 1 / 6) / npq + 0.5);
    const t = (-km * km) / (2 * npq);
    if (v < t - rho) return k;
    if (v > t + rho) continue;
    const nm = n - m + 1;
    const h = (m + 0.5) * Math.log((m + 1) / (r * nm)) + stirlingTail(m) + stirlingTail(n - m);
    const nk = n - k + 1;
    if (
      v <=
      h + (n + 1) * Math.log(nm / nk) + (k + 0.5) * Math.log((nk * r) / (k + 1)) - stirlingTail(k) - stirlingTail(n - k)
    ) {
      return k;
    }
  }
}

/** One multinomial draw of `total` items over cells with the given weights (sequential binomials). */
export function multinomial(total: number, weights: Float64Array, random: Random): Float64Array {
  const out = new Float64Array(weights.length);
  let mass = 0;
  for (const w of weights) mass += w;
  let remaining = total;
  for (let k = 0; k < weights.length && remaining > 0; k++) {
    const w = weights[k]!;
    if (w <= 0) continue;
    const p = mass <= w ? 1 : w / mass;
    const x = binomial(remaining, p, random);
    out[k] = x;
    remaining -= x;
    mass -= w;
  }
  return out;
}
