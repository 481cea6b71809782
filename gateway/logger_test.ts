import assert from "node:assert/strict";
import { createJsonLogger } from "./logger.ts";

Deno.test("createJsonLogger() writes bounded JSON lines at or above its level", () => {
  const lines: string[] = [];
  const logger = createJsonLogger((l) => lines.push(l), { minLevel: "warn", now: () => 12.9 });
  logger.log("info", "skipped");
  logger.log("error", "e".repeat(100), { long: "x".repeat(1000), n: 1, ok: true, t: "spoofed", level: "spoofed" });
  const many: Record<string, number> = {};
  for (let i = 0; i < 50; i++) many[`f${i}`] = i;
  logger.log("warn", "many", many);
  assert.equal(lines.length, 2);
  const first = JSON.parse(lines[0]);
  assert.equal(first.t, 12);
  assert.equal(first.level, "error");
  assert.equal(first.event.length, 64);
  assert.equal(first.long.length, 64);
  assert.equal(Object.keys(JSON.parse(lines[1])).length, 3 + 12);
});
