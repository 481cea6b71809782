import assert from "node:assert/strict";
import { toHex } from "../../mod.ts";
import { inPrefix, mappedIpv4, parseIpAddress, parseIpv4, parseIpv6 } from "./ip_address.ts";

Deno.test("parseIpv4() accepts only canonical dotted quads", () => {
  const ok: [string, number[]][] = [["0.0.0.0", [0, 0, 0, 0]], ["255.255.255.255", [255, 255, 255, 255]], ["10.1.2.3", [
    10,
    1,
    2,
    3,
  ]]];
  for (const [t, b] of ok) assert.deepEqual(Array.from(parseIpv4(t)!), b, t);
  for (
    const t of [
      "256.0.0.1",
      "1.2.3",
      "1.2.3.4.5",
      "01.2.3.4",
      "127.1",
      "2130706433",
      "0x7f000001",
      "1.2.3.4 ",
      "",
      "1..2.3",
      "١.٢.٣.٤",
    ]
  ) {
    assert.equal(parseIpv4(t), undefined, t);
  }
});

Deno.test("parseIpv6() reads RFC 4291 text forms", () => {
  const ok: [string, string][] = [
    ["::", "00".repeat(16)],
    ["::1", "00".repeat(15) + "01"],
    ["2001:db8::1", "20010db8" + "00".repeat(11) + "01"],
    ["fe80::", "fe80" + "00".repeat(14)],
    ["1:2:3:4:5:6:7:8", "00010002000300040005000600070008"],
    ["::ffff:127.0.0.1", "00".repeat(10) + "ffff7f000001"],
    ["64:ff9b::192.0.2.33", "0064ff9b" + "00".repeat(8) + "c0000221"],
    ["1::", "0001" + "00".repeat(14)],
  ];
  for (const [t, hex] of ok) assert.equal(toHex(parseIpv6(t)!), hex, t);
  for (
    const t of [
      "",
      ":",
      ":::",
      "1:::2",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "12345::",
      "g::",
      "::1.2.3",
      "[::1]",
      "fe80::1%eth0",
      "1:2:3:4:5:6:7::8",
    ]
  ) {
    assert.equal(parseIpv6(t), undefined, t);
  }
});

Deno.test("parseIpAddress(), mappedIpv4() and inPrefix() work together", () => {
  assert.equal(parseIpAddress("[::1]")?.version, 6);
  assert.equal(parseIpAddress("[1.2.3.4]"), undefined);
  assert.deepEqual(Array.from(mappedIpv4(parseIpAddress("::ffff:10.0.0.1")!)!), [10, 0, 0, 1]);
  assert.equal(mappedIpv4(parseIpAddress("::10.0.0.1")!), undefined);
  assert.equal(mappedIpv4(parseIpAddress("10.0.0.1")!), undefined);
  assert.ok(inPrefix(new Uint8Array([100, 127, 0, 1]), { prefix: new Uint8Array([100, 64]), bits: 10 }));
  assert.ok(!inPrefix(new Uint8Array([100, 128, 0, 1]), { prefix: new Uint8Array([100, 64]), bits: 10 }));
  assert.ok(inPrefix(new Uint8Array([1, 2, 3, 4]), { prefix: new Uint8Array([9]), bits: 0 }));
});
