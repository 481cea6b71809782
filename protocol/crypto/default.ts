/**
 * Choosing a crypto provider for the current runtime (performance.md): `sodium` where the native
 * addon loads (Deno with `--allow-ffi`, Node, Bun), else `webcrypto` where `crypto.subtle` has
 * X25519 and Ed25519 (Cloudflare workerd), else the pure-JS `noble` reference.
 *
 * The sodium module is imported dynamically and inside a `try`, so this module loads on runtimes
 * without `node:` built-ins or native add-ons.
 *
 * @module
 */

import { nobleProvider } from "./noble.ts";
import type { CryptoProvider, ProviderName } from "./provider.ts";
import { loadWebcryptoProvider } from "./webcrypto.ts";

/** Provider names in order of preference: fastest first (performance.md). */
const PREFERENCE: readonly ProviderName[] = ["sodium", "webcrypto", "noble"];
/** Provider names in the order {@link allProviders} lists them: the reference first. */
const REFERENCE_FIRST: readonly ProviderName[] = ["noble", "sodium", "webcrypto"];

async function loadSodium(): Promise<CryptoProvider | undefined> {
  try {
    const { loadSodiumProvider } = await import("./sodium.ts");
    return await loadSodiumProvider();
  } catch {
    return undefined;
  }
}

const LOADERS: Readonly<Record<ProviderName, () => Promise<CryptoProvider | undefined>>> = {
  noble: () => Promise.resolve(nobleProvider),
  sodium: loadSodium,
  webcrypto: loadWebcryptoProvider,
};

const loaded = new Map<ProviderName, Promise<CryptoProvider | undefined>>();

/** Load one provider once; `undefined` when it cannot load here. */
function load(name: ProviderName): Promise<CryptoProvider | undefined> {
  let p = loaded.get(name);
  if (p === undefined) {
    p = LOADERS[name]();
    loaded.set(name, p);
  }
  return p;
}

let chosen: Promise<CryptoProvider> | undefined;

/**
 * The fastest provider that loads on this runtime; chosen once and cached.
 *
 * @returns `sodium`, else `webcrypto`, else `noble`
 * @example Hashing with whatever is fastest here
 * ```ts
 * import { defaultProvider } from "./default.ts";
 * const provider = await defaultProvider();
 * const digest = await provider.blake2b(new TextEncoder().encode("abc"), 32);
 * console.log(`${provider.name}: ${digest.length}-byte BLAKE2b`);
 * ```
 */
export function defaultProvider(): Promise<CryptoProvider> {
  chosen ??= (async () => {
    for (const name of PREFERENCE) {
      const provider = await load(name);
      if (provider !== undefined) return provider;
    }
    return nobleProvider;
  })();
  return chosen;
}

/**
 * The provider of the given name, for configuration and benchmarks.
 *
 * @param name `"noble"`, `"sodium"` or `"webcrypto"`
 * @returns the provider
 * @throws {RangeError} when `name` is not a provider name
 * @throws {Error} when that provider cannot load on this runtime
 * @example Asking for the reference provider
 * ```ts
 * import { providerByName } from "./default.ts";
 * const noble = await providerByName("noble");
 * if (noble.name !== "noble") throw new Error("wrong provider");
 * ```
 */
export async function providerByName(name: ProviderName): Promise<CryptoProvider> {
  if (!Object.hasOwn(LOADERS, name)) {
    throw new RangeError(`Cannot load crypto provider: unknown name "${String(name)}"`);
  }
  const provider = await load(name);
  if (provider === undefined) {
    throw new Error(`Cannot load crypto provider "${name}": not available on this runtime`);
  }
  return provider;
}

/**
 * Every provider that loads on this runtime, the `noble` reference first; tests run each vector
 * against each of them.
 *
 * @returns the loadable providers
 * @example Listing what this runtime offers
 * ```ts
 * import { allProviders } from "./default.ts";
 * const names = (await allProviders()).map((p) => p.name);
 * if (names[0] !== "noble") throw new Error("reference provider missing");
 * console.log(names.join(", "));
 * ```
 */
export async function allProviders(): Promise<CryptoProvider[]> {
  const providers = await Promise.all(REFERENCE_FIRST.map(load));
  return providers.filter((p): p is CryptoProvider => p !== undefined);
}
