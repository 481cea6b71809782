import assert from "node:assert/strict";
import { BlackBoxHttp, describeResult } from "./http.ts";

/** A TCP server answering every connection with `answer` (then closing unless `keepOpen`). */
function scripted(answer: string, keepOpen = false): { url: string; close: () => Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const done = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      await conn.read(new Uint8Array(4096)).catch(() => null);
      await conn.write(new TextEncoder().encode(answer)).catch(() => 0);
      if (!keepOpen) conn.close();
    }
  })().catch(() => {});
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    close: async () => {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // closed
        }
      }
      await done;
    },
  };
}

async function rawAnswer(answer: string, keepOpen = false, timeoutMs = 2_000): Promise<string> {
  const server = scripted(answer, keepOpen);
  const http = new BlackBoxHttp({ target: server.url, timeoutMs });
  try {
    return describeResult(await http.raw("POST / HTTP/1.1\r\nHost: x\r\n\r\n"));
  } finally {
    http.close();
    await server.close();
  }
}

Deno.test("BlackBoxHttp.raw() reads answers by Content-Length, chunked and until close", async () => {
  assert.equal(await rawAnswer("HTTP/1.1 413 Too Large\r\nContent-Length: 2\r\n\r\nabXYZ", true), '413 "ab"');
  assert.equal(
    await rawAnswer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n", true),
    '200 "abc"',
  );
  assert.equal(await rawAnswer("HTTP/1.1 400 Bad Request\r\n\r\nuntil close"), '400 "until close"');
});

Deno.test("BlackBoxHttp.raw() turns closes, garbage and silence into no answer", async () => {
  assert.equal(await rawAnswer(""), "no answer (connection closed without an answer)");
  assert.equal(await rawAnswer("SSH-2.0-x\r\n\r\n"), "no answer (answer is not HTTP/1.x)");
  assert.equal(
    await rawAnswer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab"),
    "no answer (connection closed mid-answer)",
  );
  assert.equal(await rawAnswer("", true, 200), "no answer (timed out after 200 ms)");
});

Deno.test("BlackBoxHttp.send() bounds the answer's size and time", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    if (new URL(req.url).pathname === "/slow") await new Promise((resolve) => setTimeout(resolve, 1_000));
    return new Response(new Uint8Array(2048));
  });
  const http = new BlackBoxHttp({
    target: `http://127.0.0.1:${server.addr.port}`,
    timeoutMs: 300,
    maxResponseBytes: 1024,
  });
  try {
    assert.equal(describeResult(await http.send({ path: "/big" })), "no answer (response body over 1024 bytes)");
    assert.equal(describeResult(await http.send({ path: "/slow" })), "no answer (timed out after 300 ms)");
  } finally {
    http.close();
    await server.shutdown();
  }
});

Deno.test("describeResult() cuts a long body to 100 characters", () => {
  const body = new TextEncoder().encode("x".repeat(300));
  assert.equal(
    describeResult({ kind: "answer", status: 500, headers: new Headers(), body }),
    `500 "${"x".repeat(100)}"…`,
  );
});
