// The villageflow command line: exit codes, output shapes, and one-line errors for bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/villageflow.ts';

const FIVE = 'flows/five-deliberations-two-disclosures.flow.json';
const RUN = 'flows/runs/five-deliberations-two-disclosures.happy-path.run.json';
let dir: string;
let eventsFile: string;

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
function write(name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'villageflow-cli-'));
  eventsFile = write('events.json', JSON.stringify(JSON.parse(readFileSync(RUN, 'utf8')).events));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('validate', () => {
  it('prints ok for each valid file', async () => {
    const r = await cli('validate', FIVE, 'tests/fixtures/mini.flow.json');
    expect(r).toMatchObject({ code: 0, out: `ok ${FIVE}\nok tests/fixtures/mini.flow.json`, err: '' });
  });
  it('prints every error as file: pointer: message', async () => {
    const flow = JSON.parse(readFileSync('tests/fixtures/mini.flow.json', 'utf8'));
    flow.initial = 'nowhere';
    flow.states.draft.on.WITHDRAW = 'gone';
    flow.states.meeting.vote.electorate = 'ghost';
    const file = write('bad.flow.json', JSON.stringify(flow));
    const r = await cli('validate', file);
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toEqual(
      expect.arrayContaining([
        `${file}: /initial: initial state "nowhere" is not in /states`,
        `${file}: /states/draft/on/WITHDRAW: target "gone" is not in /states`,
        `${file}: /states/meeting/vote/electorate: role "ghost" is not declared in /roles`,
        `${file}: /id: id "mini" does not match the file name bad.flow.json (expected mini.flow.json)`,
      ]),
    );
  });
  it('reports unreadable, non-JSON and oversized files in one line each', async () => {
    const big = write('big.flow.json', '"' + 'x'.repeat(11 * 1024 * 1024) + '"');
    const r = await cli('validate', join(dir, 'missing.json'), write('text.flow.json', 'not json'), big);
    expect(r.code).toBe(1);
    const lines = r.err.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/missing\.json: cannot read: ENOENT/);
    expect(lines[1]).toMatch(/text\.flow\.json: not JSON/);
    expect(lines[2]).toMatch(/big\.flow\.json: file is \d+ bytes, more than the 10485760 allowed/);
  });
});

describe('simulate', () => {
  it('prints the history as a JSON array of records', async () => {
    const r = await cli('simulate', FIVE, eventsFile);
    expect(r.code).toBe(0);
    const records = JSON.parse(r.out);
    expect(records[0]).toMatchObject({ seq: 1, type: 'START', prev: null });
    expect(records.at(-1).state).toBe(JSON.parse(readFileSync(RUN, 'utf8')).expect.final);
  });
  it('names the rejected event, prints nothing on stdout', async () => {
    const events = JSON.parse(readFileSync(eventsFile, 'utf8'));
    events[2].actor.roles = ['villager'];
    const r = await cli('simulate', FIVE, write('bad-events.json', JSON.stringify(events)));
    expect(r).toMatchObject({ code: 1, out: '' });
    expect(r.err).toMatch(/^event 2 \(\w+\) rejected: ROLE_FORBIDDEN: /);
  });
  it('refuses events that are not an array, and a flow that is invalid', async () => {
    expect((await cli('simulate', FIVE, write('obj.json', '{"type":"START"}'))).err).toMatch(/EVENTS must be a non-empty JSON array/);
    const r = await cli('simulate', write('x.flow.json', '{"id":"x"}'), eventsFile);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/x\.flow\.json: \/version: must have required property 'version' \(and \d+ more; run villageflow validate\)/);
  });
});

describe('verify', () => {
  it('verifies a history and names the first bad record', async () => {
    const history = (await cli('simulate', FIVE, eventsFile)).out;
    const good = write('history.json', history);
    expect(await cli('verify', FIVE, good)).toMatchObject({ code: 0, out: `verified ${JSON.parse(history).length} records` });
    const records = JSON.parse(history);
    records[4].payload.choice = 'against';
    const r = await cli('verify', FIVE, write('tampered.json', JSON.stringify(records)));
    expect(r).toMatchObject({ code: 1, out: '' });
    expect(r.err).toBe('record 5 failed: record 5 does not match its hash: it was edited');
  });
  it('takes a bundle of flow and history, with a head to check against', async () => {
    const records = JSON.parse((await cli('simulate', FIVE, eventsFile)).out);
    const bundle = write('bundle.json', JSON.stringify({ flow: JSON.parse(readFileSync(FIVE, 'utf8')), history: records }));
    expect((await cli('verify', bundle, '--head', records.at(-1).hash)).code).toBe(0);
    const r = await cli('verify', bundle, '--head', 'f'.repeat(64));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/expected head/);
  });
});

describe('the installed command', () => {
  it('exits non-zero with one line and no stack trace on bad input', () => {
    const r = spawnSync('node', ['cli/bin.js', 'verify', FIVE, join(dir, 'nope.json')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const u = spawnSync('node', ['cli/bin.js', 'frobnicate'], { encoding: 'utf8' });
    expect(u.status).toBe(2);
    expect(u.stderr).toMatch(/unknown command "frobnicate"/);
  });
  it('simulate prints parseable JSON on stdout', () => {
    const out = execFileSync('node', ['cli/bin.js', 'simulate', FIVE, eventsFile], { encoding: 'utf8' });
    expect(JSON.parse(out).length).toBeGreaterThan(5);
  });
});
