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

/** The label of the data a pointer names: the step that writes it there (a vote's body, a review's
 * or form's step title), else the data schema's title (zh and en), else the pointer itself. */
export function labelOf(flow: Flow, pointer: string): { zh: string; en?: string } {
  for (const state of Object.values(flow.states)) {
    if (state.vote?.saveTo === pointer) return state.vote.body;
    if (state.review?.saveTo === pointer) return state.title;
  }
  let schema: JsonSchema | undefined = flow.data;
  for (const key of parsePointer(pointer)) {
    schema = resolveRef(flow.data, schema);
    schema = (schema?.properties as Record<string, JsonSchema> | undefined)?.[key];
  }
  schema = resolveRef(flow.data, schema);
  const zh = typeof schema?.title === 'string' ? schema.title : pointer;
  const en = (schema?.['x-en'] as { title?: string } | undefined)?.title;
  return en ? { zh, en } : { zh };
}

export async function villageBoard(runtime: Runtime, villageId: string) {
  const { store } = runtime;
  const village = await runtime.village(villageId);
  const now = runtime.now();
  const current = [];
  const open = await store.disclosures(village.id, { current: true, now, limit: 100 });
  // Past its period but not yet closed by the scheduler: already off the board, listed as past.
  const expired = open.filter((d) => d.until <= now);
  for (const d of open) {
    if (d.until <= now) continue;
    const instance = await store.getInstance(d.instanceId);
    const flow = (await runtime.compiled(instance!.flowVersionId)).flow;
    current.push({
      id: d.id,
      instanceId: d.instanceId,
      title: d.title,
      flowTitle: flow.title,
      stepTitle: flow.states[d.state]?.title ?? { zh: d.state },
      from: d.from,
      until: d.until,
      recordHash: d.recordHash,
      items: Object.entries(d.items).map(([pointer, value]) => ({ pointer, label: labelOf(flow, pointer), value })),
    });
  }
  const ended = await store.disclosures(village.id, { current: false, now, limit: 100 });
  const past = [...expired.map((d) => ({ ...d, endedAt: d.until })), ...ended].map((d) => ({
    id: d.id,
    instanceId: d.instanceId,
    title: d.title,
    state: d.state,
    from: d.from,
    until: d.until,
    endedAt: d.endedAt,
    recordHash: d.recordHash,
  }));
  return { village: { id: village.id, name: village.name, kind: village.kind }, now, current, past };
}
