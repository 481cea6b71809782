import assert from "node:assert/strict";
import { isProtocolError } from "../../errors.ts";
import { MAX_ARCHIVED_SESSIONS } from "./constants.ts";
import {
  deserializeSessionRecord,
  emptySessionRecord,
  promoteSession,
  serializeSessionRecord,
  SESSION_RECORD_FORMAT_VERSION,
  type SessionState,
  withUpdatedSession,
} from "./session_record.ts";
import { ratchetPair } from "./_test_pair.ts";

async function state(n: number): Promise<SessionState> {
  const { alice } = await ratchetPair(`record ${n}`);
  return { ratchet: alice, aliceBaseKey: new Uint8Array(32).fill(n), localRegistrationId: n, remoteRegistrationId: 0 };
}

Deno.test("promoteSession() archives the current session first and keeps at most MAX_ARCHIVED_SESSIONS (40)", async () => {
  assert.equal(MAX_ARCHIVED_SESSIONS, 40);
  const s = await state(1);
  let record = emptySessionRecord();
  for (let i = 0; i < 45; i++) record = promoteSession(record, { ...s, localRegistrationId: i });
  assert.equal(record.current?.localRegistrationId, 44);
  assert.equal(record.previous.length, 40);
  assert.equal(record.previous[0].localRegistrationId, 43, "newest first");
  assert.equal(record.previous[39].localRegistrationId, 4);
});

Deno.test("withUpdatedSession() replaces the current session in place, or promotes an archived one", async () => {
  const [a, b, c] = await Promise.all([1, 2, 3].map(state));
  const record = promoteSession(promoteSession(promoteSession(emptySessionRecord(), a), b), c);
  const sameCurrent = withUpdatedSession(record, { index: -1, state: { ...c, remoteRegistrationId: 9 } });
  assert.equal(sameCurrent.current?.remoteRegistrationId, 9);
  assert.equal(sameCurrent.previous.length, 2);
  const promoted = withUpdatedSession(record, { index: 1, state: a });
  assert.deepEqual(
    [promoted.current, ...promoted.previous].map((s) => s!.localRegistrationId),
    [1, 3, 2],
  );
});

Deno.test("deserializeSessionRecord() round-trips and refuses other format versions and malformed data", async () => {
  const [a, b] = await Promise.all([1, 2].map(state));
  const record = promoteSession(promoteSession(emptySessionRecord(), a), {
    ...b,
    pendingPreKey: { signedPreKeyId: 5, baseKey: new Uint8Array(32).fill(7) },
  });
  const bytes = serializeSessionRecord(record);
  assert.equal(bytes[0], SESSION_RECORD_FORMAT_VERSION);
  const back = deserializeSessionRecord(bytes);
  assert.deepEqual(serializeSessionRecord(back), bytes);
  assert.equal(back.current?.pendingPreKey?.signedPreKeyId, 5);
  assert.equal(back.current?.pendingPreKey?.preKeyId, undefined);
  const code = (e: unknown) => isProtocolError(e, "SIGNAL_STATE_INVALID");
  const other = bytes.slice();
  other[0] = 2;
  assert.throws(() => deserializeSessionRecord(other), code);
  assert.throws(() => deserializeSessionRecord(bytes.slice(0, bytes.length - 3)), code);
  assert.throws(() => deserializeSessionRecord(new Uint8Array([...bytes, 1])), code);
  assert.throws(() => deserializeSessionRecord(new Uint8Array([1, 0, 41, 0, 0, 0])), code);
});
