/**
 * An exact emulation of libstdc++'s `std::sort` (introsort), needed because the chain-side swarm
 * rebalancing sorts swarms by size with this unstable sort and its order among equal sizes is
 * consensus (swarms-and-storage.md §3.6). The code follows `bits/stl_algo.h` (`__sort`,
 * `__introsort_loop`, `__unguarded_partition_pivot`, `__move_median_to_first`,
 * `__final_insertion_sort`) and `bits/stl_heap.h` (`__make_heap`, `__adjust_heap`, `__push_heap`,
 * `__pop_heap`, `__sort_heap`) step for step, including which element is moved where.
 *
 * @module
 */

/**
 * Ranges at most this long are left to the final insertion sort (libstdc++ `_S_threshold`,
 * swarms-and-storage.md §3.6).
 *
 * @example
 * ```ts
 * import { STD_SORT_THRESHOLD } from "./std_sort.ts";
 * if (STD_SORT_THRESHOLD !== 16) throw new Error("bad");
 * ```
 */
export const STD_SORT_THRESHOLD = 16;

/** A strict weak ordering: true when `a` must come before `b` (C++ `Compare`). */
export type Less<T> = (a: T, b: T) => boolean;

/**
 * Sort `items` in place exactly as libstdc++'s `std::sort(first, last, comp)` would, so that
 * elements comparing equal end up in the same (unstable) order as in C++ (swarms-and-storage.md
 * §3.6): introsort with a depth limit of `2·floor(log2 n)`, median-of-three pivot
 * (`first+1`, `mid`, `last-1`), heap-sort fallback, then an insertion sort of the first 16 elements
 * and an unguarded insertion sort of the rest.
 *
 * Like the C++ original, a `less` that is not a strict weak ordering may read outside the range;
 * here that surfaces as a `RangeError` instead of undefined behaviour.
 *
 * @param items the array to sort; it is reordered in place
 * @param less strict weak ordering (`a < b`)
 * @returns `items`, for chaining
 * @throws {TypeError} when `items` is not an array or `less` is not a function
 * @throws {RangeError} when `less` is inconsistent and a scan runs off the array
 * @example Equal keys are not kept in input order once there are more than 16 elements
 * ```ts
 * import { stdSort } from "./std_sort.ts";
 * const items = Array.from({ length: 17 }, (_, i) => ({ key: i === 16 ? 0 : 1, tag: i }));
 * stdSort(items, (a, b) => a.key < b.key);
 * if (items[0].tag !== 16 || items.map((x) => x.key).join("") !== "0" + "1".repeat(16)) throw new Error("bad");
 * ```
 */
export function stdSort<T>(items: T[], less: Less<T>): T[] {
  if (!Array.isArray(items)) throw new TypeError("Cannot sort: items is not an array");
  if (typeof less !== "function") throw new TypeError("Cannot sort: less is not a function");
  const n = items.length;
  if (n !== 0) {
    // __sort: __introsort_loop(first, last, __lg(n) * 2) then __final_insertion_sort.
    introsortLoop(items, 0, n, 2 * floorLog2(n), less);
    finalInsertionSort(items, 0, n, less);
  }
  return items;
}

/** `std::__lg`: index of the highest set bit of a positive integer. */
function floorLog2(n: number): number {
  return 31 - Math.clz32(n);
}

/** Read `v[i]`, turning a scan off the array (inconsistent comparator) into a RangeError. */
function at<T>(v: T[], i: number): T {
  if (i < 0 || i >= v.length) {
    throw new RangeError(`Cannot sort: comparator is not a strict weak ordering (index ${i})`);
  }
  return v[i];
}

function swap<T>(v: T[], i: number, j: number): void {
  const t = v[i];
  v[i] = v[j];
  v[j] = t;
}

/** `__introsort_loop`: quicksort down to ranges of at most 16, heap sort when too deep. */
function introsortLoop<T>(v: T[], first: number, last: number, depthLimit: number, less: Less<T>): void {
  while (last - first > STD_SORT_THRESHOLD) {
    if (depthLimit === 0) {
      partialSortWhole(v, first, last, less);
      return;
    }
    depthLimit--;
    const cut = unguardedPartitionPivot(v, first, last, less);
    introsortLoop(v, cut, last, depthLimit, less);
    last = cut;
  }
}

/** `__unguarded_partition_pivot`: median of (first+1, mid, last-1) moved to first, then partition. */
function unguardedPartitionPivot<T>(v: T[], first: number, last: number, less: Less<T>): number {
  const mid = first + Math.floor((last - first) / 2);
  moveMedianToFirst(v, first, first + 1, mid, last - 1, less);
  return unguardedPartition(v, first + 1, last, first, less);
}

/** `__move_median_to_first`: swap the median of `a`, `b`, `c` into `result`. */
function moveMedianToFirst<T>(v: T[], result: number, a: number, b: number, c: number, less: Less<T>): void {
  if (less(v[a], v[b])) {
    if (less(v[b], v[c])) swap(v, result, b);
    else if (less(v[a], v[c])) swap(v, result, c);
    else swap(v, result, a);
  } else if (less(v[a], v[c])) swap(v, result, a);
  else if (less(v[b], v[c])) swap(v, result, c);
  else swap(v, result, b);
}

/** `__unguarded_partition` (Hoare partition around `v[pivot]`, no bounds checks in C++). */
function unguardedPartition<T>(v: T[], first: number, last: number, pivot: number, less: Less<T>): number {
  for (;;) {
    while (less(at(v, first), v[pivot])) first++;
    last--;
    while (less(v[pivot], at(v, last))) last--;
    if (!(first < last)) return first;
    swap(v, first, last);
    first++;
  }
}

/** `__partial_sort(first, last, last)`: `__heap_select` (a `__make_heap` here) then `__sort_heap`. */
function partialSortWhole<T>(v: T[], first: number, last: number, less: Less<T>): void {
  makeHeap(v, first, last, less);
  // __heap_select's loop over [middle, last) is empty because middle == last.
  while (last - first > 1) {
    last--;
    popHeap(v, first, last, last, less);
  }
}

/** `__make_heap` over [first, last). */
function makeHeap<T>(v: T[], first: number, last: number, less: Less<T>): void {
  const len = last - first;
  if (len < 2) return;
  let parent = Math.floor((len - 2) / 2);
  for (;;) {
    adjustHeap(v, first, parent, len, v[first + parent], less);
    if (parent === 0) return;
    parent--;
  }
}

/** `__pop_heap(first, last, result)`: move the top to `result`, sift the old `*result` in. */
function popHeap<T>(v: T[], first: number, last: number, result: number, less: Less<T>): void {
  const value = v[result];
  v[result] = v[first];
  adjustHeap(v, first, 0, last - first, value, less);
}

/** `__adjust_heap`: move the hole at `holeIndex` down to a leaf, then `__push_heap` the value. */
function adjustHeap<T>(v: T[], first: number, holeIndex: number, len: number, value: T, less: Less<T>): void {
  const topIndex = holeIndex;
  let secondChild = holeIndex;
  while (secondChild < Math.floor((len - 1) / 2)) {
    secondChild = 2 * (secondChild + 1);
    if (less(v[first + secondChild], v[first + secondChild - 1])) secondChild--;
    v[first + holeIndex] = v[first + secondChild];
    holeIndex = secondChild;
  }
  if ((len & 1) === 0 && secondChild === Math.floor((len - 2) / 2)) {
    secondChild = 2 * (secondChild + 1);
    v[first + holeIndex] = v[first + secondChild - 1];
    holeIndex = secondChild - 1;
  }
  // __push_heap(first, holeIndex, topIndex, value)
  let parent = Math.floor((holeIndex - 1) / 2);
  while (holeIndex > topIndex && less(v[first + parent], value)) {
    v[first + holeIndex] = v[first + parent];
    holeIndex = parent;
    parent = Math.floor((holeIndex - 1) / 2);
  }
  v[first + holeIndex] = value;
}

/** `__final_insertion_sort`. */
function finalInsertionSort<T>(v: T[], first: number, last: number, less: Less<T>): void {
  if (last - first > STD_SORT_THRESHOLD) {
    insertionSort(v, first, first + STD_SORT_THRESHOLD, less);
    for (let i = first + STD_SORT_THRESHOLD; i !== last; i++) unguardedLinearInsert(v, i, less);
  } else {
    insertionSort(v, first, last, less);
  }
}

/** `__insertion_sort`: an element smaller than the first goes straight to the front. */
function insertionSort<T>(v: T[], first: number, last: number, less: Less<T>): void {
  if (first === last) return;
  for (let i = first + 1; i !== last; i++) {
    if (less(v[i], v[first])) {
      const val = v[i];
      for (let j = i; j > first; j--) v[j] = v[j - 1]; // move_backward(first, i, i + 1)
      v[first] = val;
    } else {
      unguardedLinearInsert(v, i, less);
    }
  }
}

/** `__unguarded_linear_insert`: shift `v[last]` left while it is less than its neighbour. */
function unguardedLinearInsert<T>(v: T[], last: number, less: Less<T>): void {
  const val = v[last];
  let next = last - 1;
  while (less(val, at(v, next))) {
    v[last] = v[next];
    last = next;
    next--;
  }
  v[last] = val;
}
