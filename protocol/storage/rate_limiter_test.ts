import assert from "node:assert/strict";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../_testing/vectors.ts";
import {
  CLIENT_TOKENS_PER_SECOND,
  MAX_RATE_LIMITED_CLIENTS,
  RATE_LIMIT_BUCKET_SIZE,
  SNODE_TOKENS_PER_SECOND,
  StorageRateLimiter,
} from "./rate_limiter.ts";

const FILE = "session/storage-rate-limiter.json";

function ipv4(u32: number): string {
  return [u32 >>> 24, (u32 >>> 16) & 0xff, (u32 >>> 8) & 0xff, u32 & 0xff].join(".");
}

// deno-lint-ignore no-explicit-any
function runStep(limiter: StorageRateLimiter, step: any, where: string): number {
  let checks = 0;
  const expect = (key: string, t: number) => {
    assert.equal(limiter.shouldLimit(key, t), step.expect_limited, `${where}: ${key} at ${t} µs`);
    checks++;
  };
  if (step.sequence) {
    assert.equal(step.sequence.t_us, "floor(i*1000000/300)");
    for (let i = 0; i < step.sequence.count; i++) expect(step.id, Math.floor((i * 1_000_000) / 300));
  } else if (step.ip_range) {
    for (let i = 0; i < step.ip_range.count; i++) expect(ipv4(step.ip_range.first_u32 + i), step.t_us);
  } else if (step.id_u32 !== undefined) {
    expect(ipv4(step.id_u32), step.t_us);
  } else {
    for (let i = 0; i < (step.repeat ?? 1); i++) expect(step.id, step.t_us);
  }
  return checks;
}

Deno.test({
  name: `StorageRateLimiter matches every storage-rate-limiter case${HAVE_VECTORS ? "" : ` (${SKIP_REASON})`}`,
  ignore: !HAVE_VECTORS,
  fn() {
    const v = loadVectors(FILE);
    const k = v.constants;
    assert.equal(k.BUCKET_SIZE, RATE_LIMIT_BUCKET_SIZE);
    assert.equal(k.TOKEN_RATE_CLIENT_per_s, CLIENT_TOKENS_PER_SECOND);
    assert.equal(k.TOKEN_RATE_SNODE_per_s, SNODE_TOKENS_PER_SECOND);
    assert.equal(k.MAX_CLIENTS, MAX_RATE_LIMITED_CLIENTS);
    assert.equal(k.TOKEN_PERIOD_CLIENT_us, Math.floor(1_000_000 / CLIENT_TOKENS_PER_SECOND));
    assert.equal(k.TOKEN_PERIOD_SNODE_us, Math.floor(1_000_000 / SNODE_TOKENS_PER_SECOND));
    assert.equal(k.FILL_EMPTY_BUCKET_us, k.TOKEN_PERIOD_CLIENT_us * RATE_LIMIT_BUCKET_SIZE);
    let passed = 0;
    let checks = 0;
    for (const c of v.cases) {
      const limiter = new StorageRateLimiter({ kind: c.limiter });
      for (const [i, step] of c.steps.entries()) checks += runStep(limiter, step, `${c.name} step ${i}`);
      passed++;
    }
    reportCases(FILE, { passed, requests: checks });
  },
});

Deno.test("StorageRateLimiter.shouldLimit() refills whole periods only and loses the remainder", () => {
  const limiter = new StorageRateLimiter({ capacity: 2 });
  assert.equal(limiter.shouldLimit("a", 0), false); // 1 left
  assert.equal(limiter.shouldLimit("a", 0), false); // 0 left
  assert.equal(limiter.shouldLimit("a", 3332), true); // less than one period: nothing added
  assert.equal(limiter.shouldLimit("a", 3333), false); // one token, spent; timestamp moves to 3333
  assert.equal(limiter.shouldLimit("a", 6665), true); // 3332 µs since the last spend
  assert.equal(limiter.shouldLimit("a", 4999 + 3333), false); // 4999 µs: one token, 1666 µs lost
  assert.equal(limiter.shouldLimit("a", 8332 + 3332), true); // the lost 1666 µs do not count
});

Deno.test("StorageRateLimiter.shouldLimit() caps the refill at a full bucket", () => {
  const limiter = new StorageRateLimiter({ capacity: 3 });
  for (let i = 0; i < 3; i++) assert.equal(limiter.shouldLimit("a", 0), false);
  assert.equal(limiter.shouldLimit("a", 0), true);
  const later = 1_000_000_000;
  for (let i = 0; i < 3; i++) assert.equal(limiter.shouldLimit("a", later), false);
  assert.equal(limiter.shouldLimit("a", later), true);
});

Deno.test("StorageRateLimiter.cleanBuckets() refills without moving timestamps (the 10 s timer quirk)", () => {
  const limiter = new StorageRateLimiter({ capacity: 4 });
  for (let i = 0; i < 4; i++) assert.equal(limiter.shouldLimit("a", 0), false);
  // The timer adds 2 tokens for 6666 µs but leaves the timestamp at 0 ...
  limiter.cleanBuckets(6666);
  assert.equal(limiter.size, 1);
  // ... so the next request counts those 6666 µs again: 2 + 2 tokens, 4 requests pass.
  for (let i = 0; i < 4; i++) assert.equal(limiter.shouldLimit("a", 6666), false, `request ${i}`);
  assert.equal(limiter.shouldLimit("a", 6666), true);
  // Full buckets are forgotten.
  limiter.cleanBuckets(6666 + 4 * 3333);
  assert.equal(limiter.size, 0);
});

Deno.test("StorageRateLimiter.shouldLimit() bounds the client table and purges full buckets for a newcomer", () => {
  const limiter = new StorageRateLimiter({ maxClients: 2 });
  assert.equal(limiter.shouldLimit("a", 0), false);
  assert.equal(limiter.shouldLimit("b", 100), false);
  assert.equal(limiter.shouldLimit("c", 3332), true); // nobody full yet: refused, not tracked
  assert.equal(limiter.size, 2);
  assert.equal(limiter.shouldLimit("c", 3333), false); // "a" is full again and dropped
  assert.equal(limiter.size, 2);
  // The snode kind has no table bound.
  const snodes = new StorageRateLimiter({ kind: "snode", maxClients: 1 });
  assert.equal(snodes.shouldLimit("x", 0), false);
  assert.equal(snodes.shouldLimit("y", 0), false);
  assert.equal(snodes.size, 2);
});

Deno.test("StorageRateLimiter treats a time before the bucket's timestamp as no elapsed time", () => {
  const limiter = new StorageRateLimiter({ capacity: 1 });
  assert.equal(limiter.shouldLimit("a", 10_000), false);
  assert.equal(limiter.shouldLimit("a", 0), true);
});

Deno.test("StorageRateLimiter rejects bad options and arguments", () => {
  assert.throws(() => new StorageRateLimiter({ kind: "other" as "client" }), TypeError);
  assert.throws(() => new StorageRateLimiter({ capacity: 0 }), RangeError);
  assert.throws(() => new StorageRateLimiter({ tokensPerSecond: 1.5 }), RangeError);
  assert.throws(() => new StorageRateLimiter({ tokensPerSecond: 2_000_000 }), RangeError);
  assert.throws(() => new StorageRateLimiter({ maxClients: -1 }), RangeError);
  const limiter = new StorageRateLimiter();
  assert.throws(() => limiter.shouldLimit(1 as unknown as string, 0), TypeError);
  assert.throws(() => limiter.shouldLimit("a", 0.5), RangeError);
  assert.throws(() => limiter.shouldLimit("a", 1n as unknown as number), TypeError);
  assert.throws(() => limiter.cleanBuckets(Number.NaN), RangeError);
});
