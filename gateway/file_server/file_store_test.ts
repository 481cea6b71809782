import assert from "node:assert/strict";
import { DirectoryFileStore, FileStoreFullError } from "./file_store.ts";
import { createFileApp } from "./file_app.ts";
import { nobleProvider as provider } from "../../mod.ts";

Deno.test("DirectoryFileStore keeps content-addressed files, dedupes, and refuses past its cap", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = new DirectoryFileStore({ dir, maxTotalBytes: 10 });
    const a = await store.put(new Uint8Array(6).fill(1));
    assert.equal(await store.put(new Uint8Array(6).fill(1)), a, "same bytes, same id, no extra space");
    await assert.rejects(store.put(new Uint8Array(6).fill(2)), FileStoreFullError);
    assert.deepEqual(await store.get(a), new Uint8Array(6).fill(1));
    assert.equal(await store.get("../etc/passwd"), undefined);
    // A new instance counts what is already on disk.
    await assert.rejects(new DirectoryFileStore({ dir, maxTotalBytes: 10 }).put(new Uint8Array(5)), FileStoreFullError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createFileApp() answers 400 empty, 413 too large, 507 full, 404 unknown", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const x25519Secret = new Uint8Array(32).fill(5);
    const app = createFileApp({
      x25519Secret,
      x25519Public: await provider.x25519PublicKey(x25519Secret),
      provider,
      store: new DirectoryFileStore({ dir, maxTotalBytes: 8 }),
      maxFileBytes: 6,
    });
    const post = (n: number, fill = 1) => app.request("/file", { method: "POST", body: new Uint8Array(n).fill(fill) });
    assert.equal((await post(0)).status, 400);
    assert.equal((await post(7)).status, 413);
    assert.equal((await post(6)).status, 200);
    assert.equal((await post(6, 2)).status, 507);
    assert.equal((await app.request(`/file/${"ab".repeat(32)}`)).status, 404);
    assert.equal((await app.request("/other")).status, 404);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
