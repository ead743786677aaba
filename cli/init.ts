// `villageflow init`: sets a township up on an empty database without a browser, as the setup link
// does (server/org/organisation.ts): the township and its first admin, who then signs in normally.
// Values come from flags, or are asked for (the password without echo on a terminal).
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliError, parseOptions } from './io.ts';
import type { z } from 'zod';
import type { Out } from './villageflow.ts';

const FIELDS = [
  { flag: 'township', ask: '乡镇名称 township name: ' },
  { flag: 'admin', ask: '管理员用户名 admin user name: ' },
  { flag: 'name', ask: '管理员姓名 admin display name: ' },
  { flag: 'password', ask: '管理员密码 admin password: ', hidden: true },
] as const;

/** Asks for what the flags left out, one line each from stdin; a terminal does not echo a hidden answer. */
async function askFor(missing: (typeof FIELDS)[number][]): Promise<Record<string, string>> {
  let muted = false;
  const output = new Writable({ write: (chunk, _enc, done) => (muted ? done() : process.stdout.write(chunk, done)) });
  const rl = createInterface({ input: process.stdin, output, terminal: process.stdin.isTTY === true });
  // Lines are read through the iterator, which buffers them: piped answers arrive all at once.
  const lines = rl[Symbol.asyncIterator]();
  const answers: Record<string, string> = {};
  try {
    for (const f of missing) {
      process.stdout.write(f.ask);
      muted = 'hidden' in f && process.stdin.isTTY === true;
      const line = await lines.next();
      if (muted) process.stdout.write('\n');
      muted = false;
      if (line.done) throw new CliError(`no answer for ${f.ask.trim()} (or pass --${f.flag})`);
      answers[f.flag] = String(line.value).trim();
    }
  } finally {
    rl.close();
  }
  return answers;
}

export async function cmdInit(args: string[], io: Out): Promise<number> {
  const { values, rest } = parseOptions(args, ['db', 'township', 'admin', 'name', 'password', 'mobile']);
  if (rest.length) throw new CliError(`unexpected argument "${rest[0]}"`);
  const missing = FIELDS.filter((f) => values[f.flag] === undefined);
  const given = { ...values, ...(missing.length ? await askFor(missing) : {}) };
  const { DISPLAY_NAME, MOBILE, TOWNSHIP_NAME, USERNAME, createTownship } = await import('../server/org/organisation.ts');
  const { hashPassword, passwordWeakness } = await import('../server/access/auth.ts');
  const { DEFAULT_SQLITE_PATH, describeStore, openStore } = await import('../server/store/open.ts');
  // Each value checked as the setup page checks it, named by its flag.
  const check = (flag: string, schema: z.ZodType<string>, value: unknown): string => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new CliError(`--${flag}: ${parsed.error.issues[0]?.message ?? 'is not valid'}`);
    return parsed.data;
  };
  const township = check('township', TOWNSHIP_NAME, given.township);
  const username = check('admin', USERNAME, given.admin);
  const displayName = check('name', DISPLAY_NAME, given.name);
  const mobile = given.mobile === undefined ? null : check('mobile', MOBILE, given.mobile);
  const password = given.password ?? '';
  const weakness = passwordWeakness(password, { username, current: '' });
  if (weakness) throw new CliError(`--password: ${weakness}`);

  const db = values.db ?? process.env.VILLAGEFLOW_DB ?? DEFAULT_SQLITE_PATH;
  const store = openStore(db);
  try {
    await store.migrate();
    const existing = await store.listTownships();
    if (existing.length) throw new CliError(`${describeStore(db)} has a township already (${existing.map((t) => t.name).join(', ')}); init sets up an empty database only`);
    await createTownship(store, { name: township, admin: { username, displayName, passwordHash: await hashPassword(password), mobile } }, new Date().toISOString());
  } finally {
    await store.close();
  }
  io.out(`township ${township} set up in ${describeStore(db)}`);
  io.out(`start the server (npm start) and sign in as ${username}`);
  return 0;
}
