/**
 * Types of the part of `node:sqlite` that allium uses (the message store, the client state) (Node 22 API, as implemented by
 * Deno). The pinned `@types/node` (20.x) predates `node:sqlite`, so `node_sqlite.ts` loads the
 * module with `require` and types it with this file.
 *
 * @module
 */

/** A value SQLite can bind. */
export type SQLInputValue = null | number | bigint | string | Uint8Array;
/** A value SQLite returns. */
export type SQLOutputValue = null | number | bigint | string | Uint8Array;

/** Result of {@link StatementSync.run}. */
export interface StatementResultingChanges {
  changes: number | bigint;
  lastInsertRowid: number | bigint;
}

/** A prepared statement. */
export class StatementSync {
  all(...params: SQLInputValue[]): Record<string, SQLOutputValue>[];
  get(...params: SQLInputValue[]): Record<string, SQLOutputValue> | undefined;
  iterate(...params: SQLInputValue[]): IterableIterator<Record<string, SQLOutputValue>>;
  run(...params: SQLInputValue[]): StatementResultingChanges;
}

/** One synchronous SQLite connection. */
export class DatabaseSync {
  constructor(path: string);
  readonly isOpen: boolean;
  readonly isTransaction: boolean;
  close(): void;
  exec(sql: string): void;
  prepare(sql: string): StatementSync;
}
