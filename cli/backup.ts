// `villageflow backup` and `villageflow restore`: an online copy of the server's database, and a
// restore that verifies every instance's hash chain before it touches the target.
import { BackupError, backupDatabase, restoreDatabase, verifyDatabase } from '../server/host/backup.ts';
import { CliError } from './io.ts';
import type { Out } from './villageflow.ts';

/** `--name VALUE` options and flags; anything else is an error. */
function options(args: string[], names: string[], flags: string[]): { values: Record<string, string>; set: Set<string> } {
  const values: Record<string, string> = {};
  const set = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const name = arg.replace(/^--/, '');
    if (arg.startsWith('--') && flags.includes(name)) set.add(name);
    else if (arg.startsWith('--') && names.includes(name)) {
      const value = args[++i];
      if (value === undefined || value.startsWith('--')) throw new CliError(`${arg} needs a value`);
      values[name] = value;
    } else throw new CliError(`unexpected argument "${arg}"`);
  }
  return { values, set };
}

export async function cmdBackup(args: string[], io: Out): Promise<number> {
  const { values, set } = options(args, ['db', 'out'], ['force']);
  const db = values.db ?? process.env.VILLAGEFLOW_DB;
  if (!db || !values.out) throw new CliError('backup needs --db FILE (or VILLAGEFLOW_DB) and --out BACKUP');
  try {
    const result = await backupDatabase(db, values.out, { force: set.has('force') });
    io.out(`backed up ${db} to ${result.file} (${result.instances} instances, ${result.pages} pages)`);
    return 0;
  } catch (error) {
    if (error instanceof BackupError) throw new CliError(error.message);
    throw error;
  }
}

export function cmdRestore(args: string[], io: Out): number {
  const { values, set } = options(args, ['from', 'db'], ['force', 'check']);
  if (!values.from) throw new CliError('restore needs --from BACKUP and --db FILE');
  if (set.has('check')) {
    // --check: verify only, touch nothing.
    const verdict = verifyDatabase(values.from);
    if (!verdict.ok) {
      io.err(`${values.from} fails verification: ${verdict.reason}`);
      return 1;
    }
    io.out(`verified ${values.from}: ${verdict.instances} instances, ${verdict.records} records`);
    return 0;
  }
  const db = values.db ?? process.env.VILLAGEFLOW_DB;
  if (!db) throw new CliError('restore needs --from BACKUP and --db FILE');
  try {
    const verdict = restoreDatabase(values.from, db, { force: set.has('force') });
    io.out(`verified ${verdict.instances} instances (${verdict.records} records) and restored ${values.from} to ${db}`);
    return 0;
  } catch (error) {
    if (error instanceof BackupError) throw new CliError(error.message);
    throw error;
  }
}
