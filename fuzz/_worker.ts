/**
 * Worker side of `run.ts`: runs one target's campaign and reports the result. Before each input
 * it copies the input into shared memory and bumps a counter, so the driver can tell a hang and
 * save the input that caused it even though it cannot interrupt this thread.
 *
 * @module
 */

import type { ProviderName } from "../mod.ts";
import { loadTarget, runCampaign, useProvider } from "./_harness.ts";

/** What the driver sends. */
export interface WorkerRequest {
  /** Target name. */
  name: string;
  /** fast-check seed. */
  seed: number;
  /** Time box, seconds. */
  seconds: number;
  /** Most generated inputs. */
  maxRuns?: number;
  /** Replay the corpus only. */
  corpusOnly?: boolean;
  /** Source of a RegExp of oracle failures to tolerate. */
  tolerate?: string;
  /** Also tolerate the target's open (reported, unfixed) findings. */
  tolerateOpen?: boolean;
  /** Crypto provider name (default: the runtime default). */
  provider?: ProviderName;
  /** Shared memory: Int32 [counter, input length, 0, 0], then the input bytes. */
  shared: SharedArrayBuffer;
}

/** Byte offset of the input in the shared buffer. */
export const SHARED_HEADER_BYTES = 16;

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
};

scope.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  const req = e.data;
  const header = new Int32Array(req.shared, 0, 4);
  const bytes = new Uint8Array(req.shared, SHARED_HEADER_BYTES);
  await useProvider(req.provider);
  const target = await loadTarget(req.name);
  const result = await runCampaign(target, {
    seed: req.seed,
    seconds: req.seconds,
    maxRuns: req.maxRuns,
    corpusOnly: req.corpusOnly,
    tolerate: req.tolerate === undefined ? undefined : new RegExp(req.tolerate),
    tolerateOpen: req.tolerateOpen,
    onInput(input) {
      bytes.set(input.length <= bytes.length ? input : input.subarray(0, bytes.length));
      Atomics.store(header, 1, input.length);
      Atomics.add(header, 0, 1);
    },
  });
  scope.postMessage({ type: "done", result });
  scope.close();
};
