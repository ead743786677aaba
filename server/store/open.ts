// Which store a server (or the CLI) uses, from one setting (VILLAGEFLOW_DB): a postgres:// or
// postgresql:// URL is PostgreSQL, shared by any number of server processes; anything else is the
// path of an SQLite file, the embedded default for one process.
import { resolve } from 'node:path';
import { PgStore } from './pg/index.ts';
import { SqliteStore } from './sqlite/index.ts';
import type { Store } from './types.ts';

export const DEFAULT_SQLITE_PATH = './data/villageflow.db';

export const isPostgresUrl = (value: string) => /^postgres(ql)?:\/\//i.test(value);

/** Where the store lives, for logs: the file, or the URL without its password. */
export function describeStore(location: string): string {
  if (!isPostgresUrl(location)) return resolve(location.replace(/^sqlite:/, ''));
  const url = new URL(location);
  if (url.password) url.password = '***';
  return url.toString();
}

export function openStore(location: string = DEFAULT_SQLITE_PATH): Store {
  if (isPostgresUrl(location)) return new PgStore(location);
  const path = location.replace(/^sqlite:/, '');
  return new SqliteStore(path === ':memory:' ? path : resolve(path));
}
