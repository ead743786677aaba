// The villageflow command line: validate, simulate and verify flows and histories.
import { EngineError, SimulationError, baselineVersions, compileFlow, simulate, verify, verifyPersonal, versionIntact, type CalendarVersion, type CompiledFlow, type FlowEvent, type HistoryRecord, type PersonalValue } from '../engine/index.ts';
import { flowFileIssues, loadFlow } from './flows.ts';
import { CliError, pointerText, readJson } from './io.ts';
import { generateTypes, bundledFlowFiles } from './generate-types.ts';
import { generateValidators } from './generate-validators.ts';
import { checkRun, runFiles } from './runs.ts';
import { demo } from './demo.ts';
import { useNodeCrypto } from '../server/node-crypto.ts';
import { rosterBundleProblem, type BundledRoster } from '../server/org/rosters.ts';

useNodeCrypto();

const USAGE = `usage:
  villageflow validate FILE...             check flow files
  villageflow simulate FLOW EVENTS         run events (a JSON array) and print the history
  villageflow verify FLOW... HISTORY [--head HASH] [--calendars FILE]
  villageflow verify BUNDLE [--head HASH]  check a history's hash chain by re-executing it
                                           (--calendars: a JSON list of the calendar versions its records name)
  villageflow types                        generate flows/types and engine/precompiled.generated.js
  villageflow check                        validate bundled flows, golden runs and generated files
  villageflow runs [--write]               replay golden runs (--write pins their hashes)
  villageflow demo                         simulate 五议两公开 and print its history
  villageflow backup --db FILE --out BACKUP [--force]
                                           copy the server's database (safe while it runs)
  villageflow restore --from BACKUP --db FILE [--force]
                                           verify every instance's chain, then put BACKUP in place
  villageflow restore --from BACKUP --check verify a backup only
  villageflow init [--db FILE] [--township NAME] [--admin USERNAME] [--name DISPLAY] [--password P] [--mobile M]
                                           set a township and its first admin up on an empty database
                                           (asks for what the flags leave out)
  villageflow migrate-store --from sqlite:FILE --to postgres://…
                                           move the townships of an SQLite database to PostgreSQL, verifying every chain
  villageflow calendar import FILE [--title T] [--number N] [--check] [--db FILE] [--township ID] [--as NAME]
                                           check a year's official holiday schedule (holiday-cn JSON) and adopt it
  villageflow calendar show YEAR [--db FILE] [--township ID]
                                           print a year's working-day calendar (official or provisional)`;

export type Out = { out: (line: string) => void; err: (line: string) => void };

function cmdValidate(files: string[], io: Out): number {
  if (files.length === 0) throw new CliError('validate needs at least one FILE');
  let failed = 0;
  for (const file of files) {
    let issues;
    try {
      issues = flowFileIssues(file, readJson(file));
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      io.err(error.message);
      failed++;
      continue;
    }
    if (issues.length === 0) io.out(`ok ${file}`);
    else failed++;
    for (const issue of issues) io.err(`${file}: ${pointerText(issue.pointer)}: ${issue.message}`);
  }
  return failed ? 1 : 0;
}

function cmdSimulate(args: string[], io: Out): number {
  if (args.length !== 2) throw new CliError('simulate needs FLOW and EVENTS');
  const compiled = loadFlow(args[0]!);
  const events = readJson(args[1]!);
  if (!Array.isArray(events) || events.length === 0) throw new CliError(`${args[1]}: EVENTS must be a non-empty JSON array of events`);
  try {
    const steps = simulate(compiled, events as FlowEvent[]);
    io.out(JSON.stringify(steps.map((s) => s.record), null, 2));
    return 0;
  } catch (error) {
    if (!(error instanceof SimulationError)) throw error;
    const type = (events[error.index] as { type?: unknown })?.type;
    io.err(`event ${error.index}${typeof type === 'string' ? ` (${type})` : ''} rejected: ${error.error.code}: ${error.error.message}`);
    return 1;
  }
}

/** Calendar versions from a file; one whose content does not give its hash is left out (a record naming it then fails, naming it). */
function calendarList(file: string, list: unknown, at: string, io: Out): CalendarVersion[] {
  if (!Array.isArray(list)) throw new CliError(`${file}: ${at ? `${at} must be` : 'must be'} a list of calendar versions`);
  return list.filter((v: unknown, i) => {
    const ok = v !== null && typeof v === 'object' && versionIntact(v as CalendarVersion);
    if (!ok) io.err(`${file}: ${at ? `${at}/` : ''}${i} does not match its hash; it is not used`);
    return ok;
  }) as CalendarVersion[];
}

function cmdVerify(args: string[], io: Out): number {
  const headAt = args.indexOf('--head');
  let head = headAt >= 0 ? args[headAt + 1] : undefined;
  if (headAt >= 0 && !head) throw new CliError('--head needs a HASH');
  const calendarsAt = args.indexOf('--calendars');
  const calendarsFile = calendarsAt >= 0 ? args[calendarsAt + 1] : undefined;
  if (calendarsAt >= 0 && !calendarsFile) throw new CliError('--calendars needs a FILE');
  const files = args.filter((_, i) => !(headAt >= 0 && (i === headAt || i === headAt + 1)) && !(calendarsAt >= 0 && (i === calendarsAt || i === calendarsAt + 1)));
  let compiled: CompiledFlow[];
  let history: unknown;
  let personal: unknown;
  let rosters: unknown;
  // The baseline years are in every villageflow; a bundle brings every other version its records name.
  const calendars: CalendarVersion[] = [...baselineVersions()];
  if (files.length === 1) {
    const bundle = readJson(files[0]!) as { flow?: unknown; flows?: unknown; history?: unknown; calendars?: unknown };
    if (calendarsFile !== undefined) throw new CliError('a bundle carries its calendar versions; --calendars is for FLOW... HISTORY');
    if (!bundle || typeof bundle !== 'object' || !bundle.flow || !bundle.history) {
      throw new CliError(`${files[0]}: a bundle is { "flow": {...}, "history": [...] }`);
    }
    // A migrated instance's bundle carries every version it ran on (`flows`); `flow` is the last.
    const flows = Array.isArray(bundle.flows) ? bundle.flows : [bundle.flow];
    compiled = flows.map((flow: unknown, i) => {
      const issues = flowFileIssues(files[0]!, flow);
      if (issues.length) throw new CliError(`${files[0]}: ${Array.isArray(bundle.flows) ? `flows/${i}` : 'flow'}${pointerText(issues[0]!.pointer)}: ${issues[0]!.message}`);
      return compileFlow(flow);
    });
    history = bundle.history;
    // Personal values, for someone allowed them (docs/personal-data.md): each against its commitment.
    personal = (bundle as { personal?: unknown }).personal;
    rosters = (bundle as { rosters?: unknown }).rosters;
    if (rosters !== undefined && (!Array.isArray(rosters) || !rosters.every((r) => r && typeof r === 'object' && typeof r.hash === 'string' && r.content && typeof r.content === 'object'))) {
      throw new CliError(`${files[0]}: "rosters" is a list of { "hash", "content" }`);
    }
    if (personal !== undefined && (!Array.isArray(personal) || !personal.every((v) => v && typeof v === 'object' && typeof v.seq === 'number' && typeof v.pointer === 'string' && typeof v.salt === 'string'))) {
      throw new CliError(`${files[0]}: "personal" is a list of { "seq", "pointer", "value", "salt" }`);
    }
    if (bundle.calendars !== undefined) calendars.push(...calendarList(files[0]!, bundle.calendars, 'calendars', io));
    // An exported bundle names the head the server held; it stands in for --head when none is given.
    const exportedHead = (bundle as { instance?: { head?: unknown } }).instance?.head;
    if (head === undefined && typeof exportedHead === 'string') head = exportedHead;
  } else if (files.length >= 2) {
    // FLOW... HISTORY: a migrated history needs every version it ran on.
    compiled = files.slice(0, -1).map(loadFlow);
    history = readJson(files.at(-1)!);
    if (calendarsFile !== undefined) calendars.push(...calendarList(calendarsFile, readJson(calendarsFile), '', io));
  } else {
    throw new CliError('verify needs FLOW... and HISTORY, or one BUNDLE');
  }
  if (!Array.isArray(history) || history.length === 0) throw new CliError('HISTORY must be a non-empty JSON array of records');
  // One version keeps verify's own wording ("does not start this flow version").
  const flows = compiled.length === 1 ? compiled[0]! : compiled;
  const result = verify(flows, history as HistoryRecord[], { head, calendars });
  if (!result.ok) {
    io.err(`record ${result.seq} failed: ${result.reason}`);
    return 1;
  }
  // The rosters a bundle carries, each against the meeting records that name it.
  const roster = rosters === undefined ? null : rosterBundleProblem(history as HistoryRecord[], rosters as BundledRoster[]);
  if (roster) {
    io.err(`record ${roster.seq} failed: ${roster.reason}`);
    return 1;
  }
  if (personal === undefined) {
    io.out(`verified ${result.count} records`);
    return 0;
  }
  const values = verifyPersonal(flows, history as HistoryRecord[], personal as Pick<PersonalValue, 'seq' | 'pointer' | 'value' | 'salt'>[]);
  if (!values.ok) {
    io.err(`record ${values.seq} failed: ${values.reason}`);
    return 1;
  }
  io.out(`verified ${result.count} records and ${values.count} personal values`);
  return 0;
}

async function cmdCheck(io: Out): Promise<number> {
  let failed = cmdValidate(bundledFlowFiles(), io);
  for (const file of runFiles()) {
    try {
      const problems = checkRun(file, false);
      if (problems.length === 0) io.out(`ok ${file}`);
      for (const p of problems) io.err(`${file}: ${p}`), (failed = 1);
    } catch (error) {
      if (!(error instanceof SimulationError || error instanceof CliError)) throw error;
      io.err(`${file}: ${error.message}`);
      failed = 1;
    }
  }
  const stale = [...(await generateTypes(true)), ...generateValidators(true)];
  for (const file of stale) io.err(`${file}: stale; run npm run flows:types`);
  if (stale.length === 0) io.out('ok flows/types, engine/precompiled.generated.js');
  return failed || stale.length ? 1 : 0;
}

export async function main(argv: string[], io: Out): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'validate':
        return cmdValidate(args, io);
      case 'simulate':
        return cmdSimulate(args, io);
      case 'verify':
        return cmdVerify(args, io);
      case 'types': {
        const written = [...(await generateTypes(false)), ...generateValidators(false)];
        io.out(written.length ? written.map((f) => `wrote ${f}`).join('\n') : 'flows/types and engine/precompiled.generated.js are up to date');
        return 0;
      }
      case 'check':
        return await cmdCheck(io);
      case 'runs': {
        const write = args.includes('--write');
        let failed = 0;
        for (const file of runFiles()) {
          const problems = checkRun(file, write);
          for (const p of problems) io.err(`${file}: ${p}`), failed++;
          if (problems.length === 0) io.out(`${write ? 'pinned' : 'ok'} ${file}`);
        }
        return failed ? 1 : 0;
      }
      case 'demo':
        return demo(io);
      case 'backup':
        return await (await import('./backup.ts')).cmdBackup(args, io);
      case 'restore':
        return (await import('./backup.ts')).cmdRestore(args, io);
      case 'calendar':
        return await (await import('./calendar.ts')).cmdCalendar(args, io);
      case 'init':
        return await (await import('./init.ts')).cmdInit(args, io);
      case 'migrate-store':
        return await (await import('./migrateStore.ts')).cmdMigrateStore(args, io);
      case undefined:
      case '--help':
      case 'help':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        io.err(`unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof CliError) io.err(error.message);
    else if (error instanceof SimulationError) io.err(error.message);
    else if (error instanceof EngineError) io.err(`${error.code}: ${error.message}`);
    else io.err(`villageflow: internal error: ${(error as Error)?.message ?? String(error)}`);
    return error instanceof CliError || error instanceof EngineError || error instanceof SimulationError ? 1 : 70;
  }
}

