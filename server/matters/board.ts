// The public disclosure board (公开栏): what each village discloses now, labelled for a reader,
// and the record of what it disclosed before (period and hash only: the content was public for
// its period, not for ever).
import { type Flow, type Text, labelAt, optionTitles, schemaAt, titleOf, escapeToken } from '../../engine/index.ts';
import type { Runtime } from './runtime.ts';

type Label = Text;

/** The label of a disclosed item: the step that writes it (a vote's body, a review's step title),
 * else the data schema's title, else the pointer itself. */
export function labelOf(flow: Flow, pointer: string): Label {
  return labelAt(flow, pointer) ?? { zh: pointer };
}

/** One disclosed item, with labels for an object's fields and titles for chosen options. */
export function describeItem(flow: Flow, pointer: string, value: unknown) {
  const item: { pointer: string; label: Label; value: unknown; labels?: Record<string, Label>; options?: Record<string, Record<string, Label>> } = {
    pointer,
    label: labelOf(flow, pointer),
    value,
  };
  const own = optionTitles(schemaAt(flow, pointer));
  if (own) item.options = { '': own };
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const key of Object.keys(value)) {
      const schema = schemaAt(flow, `${pointer}/${escapeToken(key)}`);
      const label = titleOf(schema);
      if (label) (item.labels ??= {})[key] = label;
      const opts = optionTitles(schema);
      if (opts) (item.options ??= {})[key] = opts;
    }
  }
  return item;
}

/** The roles a notice's step accepts an objection from (its OBJECT transitions), none if it takes none. */
export function objectionRoles(flow: Flow, state: string): string[] {
  const on = flow.states[state]?.on?.OBJECT;
  if (!on) return [];
  return [...new Set((Array.isArray(on) ? on : [on]).flatMap((t) => (typeof t === 'string' ? [] : (t.roles ?? []))))];
}

export async function villageBoard(runtime: Runtime, villageId: string) {
  const { store } = runtime;
  const village = await runtime.village(villageId);
  const now = runtime.now();
  const current = [];
  const open = await store.disclosures(village.id, { current: true, now, limit: 100 });
  const ended = await store.disclosures(village.id, { current: false, now, limit: 100 });
  // Each row is labelled by the flow version its instance runs on: one lookup for all of them.
  const versions = await store.flowVersionsOf([...new Set([...open, ...ended].map((d) => d.instanceId))]);
  const flowOf = async (instanceId: string) => (await runtime.compiled(versions.get(instanceId)!)).flow;
  // Past its period but not yet closed by the scheduler: already off the board, listed as past.
  const expired = open.filter((d) => d.until <= now);
  for (const d of open) {
    if (d.until <= now) continue;
    const flow = await flowOf(d.instanceId);
    current.push({
      id: d.id,
      instanceId: d.instanceId,
      title: d.title,
      flowTitle: flow.title,
      stepTitle: flow.states[d.state]?.title ?? { zh: d.state },
      from: d.from,
      until: d.until,
      recordHash: d.recordHash,
      // Whether a signed-in villager may object here (the step takes OBJECT), and who may.
      objection: objectionRoles(flow, d.state).length > 0,
      items: Object.entries(d.items).map(([pointer, value]) => describeItem(flow, pointer, value)),
    });
  }
  const past = [];
  for (const d of [...expired.map((d) => ({ ...d, endedAt: d.until })), ...ended]) {
    const flow = await flowOf(d.instanceId);
    const { id, instanceId, title, state, from, until, endedAt, recordHash } = d;
    past.push({ id, instanceId, title, state, stepTitle: flow.states[state]?.title ?? { zh: state }, from, until, endedAt, recordHash });
  }
  return { village: { id: village.id, name: village.name, kind: village.kind }, now, current, past };
}
