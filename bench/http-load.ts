// What the HTTP benchmarks (http, processes) share: plain tRPC calls with a session cookie, a pool
// of 五议两公开 instances waiting at the two-committee meeting, and autocannon sending the clerk's
// meeting without quorum, which sends an instance back to the same step so it can repeat. Each
// request takes an instance no other request has in flight, with the sequence number the last
// response returned, so concurrent clients never conflict.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { DEMO_PASSWORD } from '../server/host/seed.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const FIVE = 'five-deliberations-two-disclosures';
const RUN = JSON.parse(readFileSync(join(ROOT, 'flows', 'runs', `${FIVE}.happy-path.run.json`), 'utf8')) as { events: { payload?: Record<string, unknown> }[] };
const PROPOSAL = RUN.events[1]!.payload!;
export const NO_QUORUM = { members: 7, eligible: 7, present: 3, for: 3, against: 0, abstain: 0, recused: 0, notes: '到会人数不足，另行召开' };
/** Seconds of load per run (BENCH_HTTP_SECONDS overrides), after a short warm-up. */
export const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const HEADERS = { 'content-type': 'application/json', 'x-villageflow': '1' };

export interface Slot {
  id: string;
  seq: number;
}

export async function call<T>(url: string, path: string, input: unknown, cookie?: string): Promise<{ data: T; cookie?: string }> {
  const res = await fetch(`${url}/trpc/${path}`, { method: 'POST', headers: { ...HEADERS, ...(cookie ? { cookie } : {}) }, body: JSON.stringify(input) });
  const body = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!res.ok || !body.result) throw new Error(`${path}: HTTP ${res.status} ${JSON.stringify(body.error).slice(0, 300)}`);
  const session = res.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
  return { data: body.result.data, cookie: session || undefined };
}

async function get<T>(url: string, path: string, input: unknown, cookie: string): Promise<T> {
  const res = await fetch(`${url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: { ...HEADERS, cookie } });
  const body = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!res.ok || !body.result) throw new Error(`${path}: HTTP ${res.status} ${JSON.stringify(body.error).slice(0, 300)}`);
  return body.result.data;
}

/** A session cookie for a demo user. */
export async function signIn(url: string, username: string): Promise<string> {
  const { cookie } = await call(url, 'auth.login', { username, password: DEMO_PASSWORD });
  if (!cookie) throw new Error(`signing in as ${username} set no cookie`);
  return cookie;
}

/** `size` instances of 东坪村 started and submitted by the secretary (round robin over `urls`), each at two_committees. */
export async function makePool(urls: string[], secretary: string, size: number): Promise<Slot[]> {
  const pool: Slot[] = [];
  for (let k = 0; k < size; k++) {
    const url = urls[k % urls.length]!;
    const started = await call<{ id: string; seq: number }>(url, 'instances.start', { villageId: 'dongping', flowId: FIVE, title: `基准测试 ${k}` }, secretary);
    const submitted = await call<{ seq: number; state: string }>(url, 'instances.send', { id: started.data.id, seq: started.data.seq, type: 'SUBMIT', payload: PROPOSAL }, secretary);
    if (submitted.data.state !== 'two_committees') throw new Error(`a submitted proposal should be at two_committees, is at ${submitted.data.state}`);
    pool.push({ id: started.data.id, seq: submitted.data.seq });
  }
  return pool;
}

/** Reads every instance's sequence number back: requests cut off when a run stopped may have been applied unseen. */
export async function refreshPool(url: string, pool: Slot[], cookie: string): Promise<void> {
  await Promise.all(pool.map(async (s) => void (s.seq = (await get<{ instance: { seq: number } }>(url, 'instances.get', { id: s.id }, cookie)).instance.seq)));
}

/**
 * autocannon against each of `urls` at once, `connections` clients each, all taking instances from
 * one shared pool; anything but a 200 is counted in `lost` (that instance leaves the pool).
 */
export async function sendLoad(urls: string[], connections: number, cookie: string, pool: Slot[], seconds: number): Promise<{ runs: autocannon.Result[]; lost: number }> {
  const free = [...pool];
  let lost = 0;
  const runs = await Promise.all(
    urls.map((url) =>
      autocannon({
        url,
        connections,
        duration: seconds,
        headers: { ...HEADERS, cookie },
        requests: [
          {
            method: 'POST',
            path: '/trpc/instances.send',
            setupRequest(req, context) {
              const slot = free.pop();
              if (!slot) throw new Error('no free instance: the pool is smaller than the connections in flight');
              (context as { slot?: Slot }).slot = slot;
              return { ...req, body: JSON.stringify({ id: slot.id, seq: slot.seq, type: 'RECORD_VOTE', payload: NO_QUORUM }) };
            },
            onResponse(status, body, context) {
              const slot = (context as { slot?: Slot }).slot!;
              if (status === 200) {
                slot.seq = (JSON.parse(body) as { result: { data: { seq: number } } }).result.data.seq;
                free.push(slot);
              } else lost++; // its sequence number is unknown now: it leaves the pool
            },
          },
        ],
      }),
    ),
  );
  return { runs, lost };
}
