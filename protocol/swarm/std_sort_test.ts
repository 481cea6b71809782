import assert from "node:assert/strict";
import fc from "fast-check";
import { stdSort } from "./std_sort.ts";

/** 32-bit FNV-1a over little-endian u32 words, as in the C++ program that made the fingerprints. */
class Fnv {
  h = 0x811c9dc5;
  n = 0;
  add(x: number): void {
    for (let i = 0; i < 4; i++) {
      this.h ^= (x >>> (8 * i)) & 0xff;
      this.h = Math.imul(this.h, 0x01000193) >>> 0;
    }
  }
}

/**
 * Fingerprints from g++ 12 / libstdc++ `std::sort` (the toolchain the rebalance vectors were
 * generated with): `n` elements with keys `xorshift32() % k` (state seeded
 * `0x9e3779b9 ^ (n * 131 + k)`, `x ^= x << 13; x ^= x >> 17; x ^= x << 5`) and tags 0…n-1, sorted
 * by key. Recorded: FNV-1a of the resulting tag order, FNV-1a of every comparison's
 * (left tag, right tag) in call order, and the number of comparisons.
 * `[n, k, order, comparisons, count]`.
 */
const LIBSTDCXX_RANDOM: ReadonlyArray<readonly [number, number, number, number, number]> = [
  [0, 1, 2166136261, 2166136261, 0],
  [0, 2, 2166136261, 2166136261, 0],
  [0, 3, 2166136261, 2166136261, 0],
  [0, 7, 2166136261, 2166136261, 0],
  [0, 50, 2166136261, 2166136261, 0],
  [1, 1, 1268118805, 2166136261, 0],
  [1, 2, 1268118805, 2166136261, 0],
  [1, 3, 1268118805, 2166136261, 0],
  [1, 7, 1268118805, 2166136261, 0],
  [1, 50, 1268118805, 2166136261, 0],
  [2, 1, 1270166100, 2456745445, 2],
  [2, 2, 1270166100, 2456745445, 2],
  [2, 3, 1270166100, 2456745445, 2],
  [2, 7, 1270166100, 2456745445, 2],
  [2, 50, 1270166100, 2456745445, 2],
  [3, 1, 624132534, 3510222932, 4],
  [3, 2, 624132534, 3510222932, 4],
  [3, 3, 624132534, 3510222932, 4],
  [3, 7, 1288888806, 2238166294, 5],
  [3, 50, 2936565926, 3078087093, 3],
  [5, 1, 2393499409, 3917642437, 8],
  [5, 2, 3057223393, 1220964407, 11],
  [5, 3, 2140858961, 3680736018, 11],
  [5, 7, 2840595265, 711562884, 9],
  [5, 50, 3728492465, 2084711456, 7],
  [15, 1, 216896890, 4227406676, 28],
  [15, 2, 270517450, 2406998911, 58],
  [15, 3, 245374410, 1040769015, 57],
  [15, 7, 3540375274, 3051815589, 63],
  [15, 50, 4187944938, 3984489740, 70],
  [16, 1, 2477438917, 48040090, 30],
  [16, 2, 3650624485, 3214074086, 49],
  [16, 3, 2507334645, 3409511587, 70],
  [16, 7, 3997348053, 1493847844, 78],
  [16, 50, 2282365509, 1816176987, 69],
  [17, 1, 784867205, 214619020, 52],
  [17, 2, 1612911077, 455114708, 59],
  [17, 3, 2587109573, 3859482191, 65],
  [17, 7, 2572069765, 620353884, 85],
  [17, 50, 2653764821, 3652970253, 107],
  [18, 1, 2148781796, 1381924919, 53],
  [18, 2, 322145044, 1158853278, 72],
  [18, 3, 1332447780, 1010264736, 82],
  [18, 7, 2523360148, 2993500291, 102],
  [18, 50, 3699360148, 622058396, 90],
  [31, 1, 2019963578, 1204328043, 80],
  [31, 2, 2113772746, 3351317347, 130],
  [31, 3, 3789384170, 1823084911, 138],
  [31, 7, 2519563050, 291722490, 145],
  [31, 50, 543295738, 2876829762, 182],
  [32, 1, 2626357829, 3541542708, 81],
  [32, 2, 3920718165, 3380915795, 119],
  [32, 3, 1180991365, 3226187999, 145],
  [32, 7, 3784587797, 3892195194, 176],
  [32, 50, 806647925, 4055850139, 198],
  [33, 1, 3899208005, 2445764733, 105],
  [33, 2, 4283883221, 2598211896, 120],
  [33, 3, 4024272709, 1711286866, 140],
  [33, 7, 1413521941, 2204098609, 172],
  [33, 50, 4208685141, 579038374, 208],
  [42, 1, 3472494692, 2913639775, 151],
  [42, 2, 2705711460, 4239886774, 167],
  [42, 3, 475716212, 152634133, 190],
  [42, 7, 2456266276, 1296623262, 226],
  [42, 50, 3085849380, 3011619137, 283],
  [64, 1, 1458558661, 659620170, 215],
  [64, 2, 688187445, 2898961998, 312],
  [64, 3, 1071078133, 3054548458, 313],
  [64, 7, 2173146549, 2861395744, 330],
  [64, 50, 1496518533, 3637834660, 451],
  [100, 1, 238854405, 3949978991, 439],
  [100, 2, 2129906949, 1113767248, 500],
  [100, 3, 2435869621, 59981260, 539],
  [100, 7, 771341141, 49476511, 628],
  [100, 50, 3354346293, 4080196740, 656],
  [257, 1, 2774806750, 1178510119, 1369],
  [257, 2, 1843569322, 3582082850, 1580],
  [257, 3, 3612066618, 2961922717, 1547],
  [257, 7, 3618301534, 1085738189, 1711],
  [257, 50, 3093899054, 2079124671, 2120],
  [1000, 1, 1109380117, 2309508953, 7243],
  [1000, 2, 663605657, 1012107761, 8146],
  [1000, 3, 1597536057, 3585254051, 7949],
  [1000, 7, 997964749, 3865057080, 8175],
  [1000, 50, 1317640961, 2457554065, 9483],
];

/**
 * McIlroy's "killer adversary" (A Killer Adversary for Quicksort, 1999) run against libstdc++'s
 * `std::sort` on the indices 0…n-1: it answers comparisons so that every partition is as lopsided
 * as possible, which drives introsort into its heap-sort fallback. `[n, order, comparisons, count]`.
 */
const LIBSTDCXX_ADVERSARY: ReadonlyArray<readonly [number, number, number, number]> = [
  [100, 1769285589, 92526253, 1742],
  [1000, 2962401461, 2890520266, 29023],
  [5000, 298749957, 4160894385, 189305],
];

function xorshift32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    return x;
  };
}

Deno.test("stdSort() sorts like Array.prototype.sort on the keys", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -20, max: 20 }), { maxLength: 300 }), (keys) => {
      const items = keys.map((key, tag) => ({ key, tag }));
      stdSort(items, (a, b) => a.key < b.key);
      assert.deepEqual(items.map((x) => x.key), [...keys].sort((a, b) => a - b));
      assert.deepEqual(items.map((x) => x.tag).sort((a, b) => a - b), keys.map((_, i) => i));
    }),
    { numRuns: 300 },
  );
});

Deno.test("stdSort() is an insertion sort (stable in effect) up to 16 elements", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 16 }), (keys) => {
      const items = keys.map((key, tag) => ({ key, tag }));
      stdSort(items, (a, b) => a.key < b.key);
      const stable = keys.map((key, tag) => ({ key, tag })).sort((a, b) => a.key - b.key);
      assert.deepEqual(items, stable);
    }),
  );
});

Deno.test("stdSort() orders 20 alternating keys exactly as libstdc++ (not stably)", () => {
  // g++ 12: std::sort of keys 1,0,1,0,… (tags 0…19) by key gives this tag order.
  const items = Array.from({ length: 20 }, (_, tag) => ({ key: tag % 2 === 0 ? 1 : 0, tag }));
  stdSort(items, (a, b) => a.key < b.key);
  assert.deepEqual(items.map((x) => x.tag), [1, 19, 17, 15, 13, 11, 9, 7, 5, 3, 8, 6, 10, 12, 4, 14, 16, 2, 18, 0]);
});

Deno.test("stdSort() makes the same comparisons and order as libstdc++ on random keys with duplicates", () => {
  for (const [n, k, order, comparisons, count] of LIBSTDCXX_RANDOM) {
    const next = xorshift32(0x9e3779b9 ^ (n * 131 + k));
    const items = Array.from({ length: n }, (_, tag) => ({ key: next() % k, tag }));
    const cmp = new Fnv();
    stdSort(items, (a, b) => {
      cmp.add(a.tag);
      cmp.add(b.tag);
      cmp.n++;
      return a.key < b.key;
    });
    const out = new Fnv();
    for (const x of items) out.add(x.tag);
    assert.deepEqual([out.h, cmp.h, cmp.n], [order, comparisons, count], `n=${n} k=${k}`);
  }
});

Deno.test("stdSort() follows libstdc++ into its heap-sort fallback under McIlroy's adversary", () => {
  for (const [n, order, comparisons, count] of LIBSTDCXX_ADVERSARY) {
    const gas = n;
    const val = new Array<number>(n).fill(gas);
    let nsolid = 0;
    let candidate = 0;
    const ptr = Array.from({ length: n }, (_, i) => i);
    const cmp = new Fnv();
    stdSort(ptr, (x, y) => {
      cmp.add(x);
      cmp.add(y);
      cmp.n++;
      if (val[x] === gas && val[y] === gas) {
        if (x === candidate) val[x] = nsolid++;
        else val[y] = nsolid++;
      }
      if (val[x] === gas) candidate = x;
      else if (val[y] === gas) candidate = y;
      return val[x] - val[y] < 0;
    });
    const out = new Fnv();
    for (const p of ptr) out.add(p);
    assert.deepEqual([out.h, cmp.h, cmp.n], [order, comparisons, count], `n=${n}`);
    // Quicksort alone would need about n²/2 comparisons against this adversary.
    assert.ok(cmp.n < (n * n) / 4, `n=${n}: ${cmp.n} comparisons`);
  }
});

Deno.test("stdSort() rejects bad arguments and an inconsistent comparator", () => {
  assert.throws(() => stdSort(null as unknown as number[], (a, b) => a < b), TypeError);
  assert.throws(() => stdSort([1], null as unknown as (a: number, b: number) => boolean), TypeError);
  assert.throws(() => stdSort(Array.from({ length: 40 }, (_, i) => i), () => true), RangeError);
});
