/**
 * The one place `node:sqlite` is loaded (toolchain.md "Storage": Deno's `DatabaseSync` works
 * without flags). The pinned @types/node (20.x) has no `node:sqlite`, and Deno resolves every
 * `node:` import's types from it, so the module is loaded through `require` and typed by
 * `node_sqlite_types.d.ts`. Used by the message store (sqlite_store.ts) and the client state
 * (client/state.ts).
 *
 * @module
 */

import { createRequire } from "node:module";
import type * as NodeSqlite from "./node_sqlite_types.d.ts";

export type {
  DatabaseSync as Database,
  SQLInputValue,
  SQLOutputValue,
  StatementResultingChanges,
  StatementSync,
} from "./node_sqlite_types.d.ts";

/**
 * `node:sqlite`'s synchronous connection class.
 *
 * @example An in-memory database
 * ```ts
 * import { DatabaseSync } from "./node_sqlite.ts";
 * const db = new DatabaseSync(":memory:");
 * if ((db.prepare("SELECT 1 + 1 AS two").get() as { two: number }).two !== 2) throw new Error("bad");
 * db.close();
 * ```
 */
export const DatabaseSync: typeof NodeSqlite.DatabaseSync =
  (createRequire(import.meta.url)("node:sqlite") as typeof NodeSqlite).DatabaseSync;
