/**
 * A 5 MB blob goes to the file app and back through random 3-hop onion paths of the local
 * network (the exit node relays v4 requests to the app, onion-requests.md §7).
 */

import assert from "node:assert/strict";
import { defaultProvider, systemRng } from "../mod.ts";
import { OnionClient } from "../client/onion_client.ts";
import { FileClient, FileTransferError } from "../client/file_client.ts";
import { LocalNetwork } from "./local_network.ts";

const provider = await defaultProvider();

Deno.test({
  name: "FileClient: a 5 MB blob round-trips through onion paths; an unknown id is a 404",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "allium-files-" });
    const net = await LocalNetwork.create({ nodes: 5, dataDir, provider });
    try {
      await net.startAll();
      const onion = new OnionClient({ nodes: () => net.clientNodes(), provider, rng: systemRng, timeoutMs: 30_000 });
      const files = new FileClient(onion, net.fileServer!);
      const blob = new Uint8Array(5 * 1024 * 1024);
      for (let i = 0; i < blob.length; i += 65536) systemRng.fill(blob.subarray(i, i + 65536));
      const id = await files.upload(blob);
      assert.match(id, /^[0-9a-f]{64}$/);
      const back = await files.download(id);
      assert.equal(back.length, blob.length);
      assert.ok(back.every((b, i) => b === blob[i]));
      await assert.rejects(files.download("ab".repeat(32)), (e) => e instanceof FileTransferError && e.status === 404);
    } finally {
      await net.stop();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
