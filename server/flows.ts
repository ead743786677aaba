// Flow versions for a township: drafts, validation (the CLI's errors), publication. Published
// versions are immutable; running instances stay on the version they started on.
import { hashJson, validateFlow, type Flow, type FlowIssue } from '../engine/index.ts';
import { InvalidInputError } from './errors.ts';
import type { FlowVersion, Store } from './store/types.ts';

export function parseFlowJson(json: string): { flow: Flow | null; issues: FlowIssue[] } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return { flow: null, issues: [{ pointer: '', message: `not JSON: ${(error as Error).message}` }] };
  }
  const issues = validateFlow(value);
  return { flow: issues.length ? null : (value as Flow), issues };
}

export async function saveDraft(store: Store, townshipId: string, json: string, by: string, at: string): Promise<{ version: FlowVersion; issues: FlowIssue[] }> {
  let value: { id?: unknown; version?: unknown; title?: { zh?: unknown } };
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new InvalidInputError(`not JSON: ${(error as Error).message}`, [{ pointer: '', message: 'not JSON' }]);
  }
  if (typeof value?.id !== 'string' || typeof value.version !== 'string') {
    throw new InvalidInputError('a draft needs at least a string "id" and "version"', [{ pointer: '/id', message: 'required' }]);
  }
  const issues = validateFlow(value);
  const version = await store.saveDraft({
    townshipId,
    flowId: value.id,
    version: value.version,
    json,
    hash: hashJson(value),
    title: typeof value.title?.zh === 'string' ? value.title.zh : value.id,
    createdBy: by,
    createdAt: at,
  });
  return { version, issues };
}

export async function publish(store: Store, versionId: number, townshipId: string, by: string, at: string): Promise<FlowVersion> {
  const v = await store.getFlowVersion(versionId);
  if (!v || v.townshipId !== townshipId) throw new InvalidInputError(`flow version ${versionId} is not in this township`);
  const { issues } = parseFlowJson(v.json);
  if (issues.length) throw new InvalidInputError(`${v.flowId} ${v.version} has ${issues.length} error(s) and cannot be published`, issues);
  const published = await store.publish(versionId, by, at);
  await store.audit({ townshipId, at, actorId: by, action: 'flow.publish', target: `${v.flowId}@${v.version}`, details: { versionId, hash: v.hash } });
  return published;
}

/** Publishes a bundled flow file for a township unless that version is already there. */
export async function publishBundled(store: Store, townshipId: string, json: string, by: string, at: string, villageIds: string[]): Promise<FlowVersion> {
  const flow = JSON.parse(json) as Flow;
  const existing = await store.findFlowVersion(townshipId, flow.id, flow.version);
  if (existing?.status === 'published') return existing;
  const { version } = await saveDraft(store, townshipId, json, by, at);
  const published = await publish(store, version.id, townshipId, by, at);
  if ((await store.flowVillages(townshipId, flow.id)).length === 0) await store.setFlowVillages(townshipId, flow.id, villageIds);
  return published;
}
