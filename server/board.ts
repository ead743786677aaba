// The public disclosure board (公开栏): what each village discloses now, labelled for a reader,
// and the record of what it disclosed before (period and hash only: the content was public for
// its period, not for ever).
import type { Flow, JsonSchema } from '../engine/index.ts';
import { parsePointer } from '../engine/pointer.ts';
import type { Runtime } from './runtime.ts';

function resolveRef(root: JsonSchema, schema: JsonSchema | undefined): JsonSchema | undefined {
  const ref = schema?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return schema;
  let node: unknown = root;
  for (const key of parsePointer(ref.slice(1))) node = (node as Record<string, unknown> | undefined)?.[key];
  return node as JsonSchema | undefined;
}

function schemaAt(flow: Flow, pointer: string): JsonSchema | undefined {
  let schema: JsonSchema | undefined = flow.data;
  for (const key of parsePointer(pointer)) {
    schema = resolveRef(flow.data, schema);
    schema = (schema?.properties as Record<string, JsonSchema> | undefined)?.[key];
  }
  return resolveRef(flow.data, schema);
}

type Label = { zh: string; en?: string };
function titleOf(schema: JsonSchema | undefined): Label | null {
  if (typeof schema?.title !== 'string') return null;
  const en = (schema['x-en'] as { title?: string } | undefined)?.title;
  return en ? { zh: schema.title, en } : { zh: schema.title };
}

/** The label of the data a pointer names: the step that writes it there (a vote's body, a review's
 * step title), else the data schema's title (zh and en), else the pointer itself. */
export function labelOf(flow: Flow, pointer: string): Label {
  for (const state of Object.values(flow.states)) {
    if (state.vote?.saveTo === pointer) return state.vote.body;
    if (state.review?.saveTo === pointer) return state.title;
  }
  return titleOf(schemaAt(flow, pointer)) ?? { zh: pointer };
}

/** Titles of a choice's options (oneOf of consts), so a reader sees 公益事业建设, not public_welfare. */
function optionTitles(schema: JsonSchema | undefined): Record<string, Label> | null {
  const options = (schema?.oneOf ?? schema?.anyOf) as JsonSchema[] | undefined;
  if (!Array.isArray(options)) return null;
  const out: Record<string, Label> = {};
  for (const o of options) {
    const t = titleOf(o);
    if ('const' in o && t) out[String(o.const)] = t;
  }
  return Object.keys(out).length ? out : null;
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
      const schema = schemaAt(flow, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      const label = titleOf(schema);
      if (label) (item.labels ??= {})[key] = label;
      const opts = optionTitles(schema);
      if (opts) (item.options ??= {})[key] = opts;
    }
  }
  return item;
}

export async function villageBoard(runtime: Runtime, villageId: string) {
  const { store } = runtime;
  const village = await runtime.village(villageId);
  const now = runtime.now();
  const flowOf = async (instanceId: string) => (await runtime.compiled((await store.getInstance(instanceId))!.flowVersionId)).flow;
  const current = [];
  const open = await store.disclosures(village.id, { current: true, now, limit: 100 });
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
      items: Object.entries(d.items).map(([pointer, value]) => describeItem(flow, pointer, value)),
    });
  }
  const ended = await store.disclosures(village.id, { current: false, now, limit: 100 });
  const past = [];
  for (const d of [...expired.map((d) => ({ ...d, endedAt: d.until })), ...ended]) {
    const flow = await flowOf(d.instanceId);
    const { id, instanceId, title, state, from, until, endedAt, recordHash } = d;
    past.push({ id, instanceId, title, state, stepTitle: flow.states[state]?.title ?? { zh: state }, from, until, endedAt, recordHash });
  }
  return { village: { id: village.id, name: village.name, kind: village.kind }, now, current, past };
}
