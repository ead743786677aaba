// Flow versions for a township: drafts, validation (the CLI's errors), publication. Published
// versions are immutable; running instances stay on the version they started on.
import { hashJson, validateFlow, type Flow, type FlowIssue } from '../../engine/index.ts';
import { InvalidInputError, ServerRefusal } from '../errors.ts';
import { catalogueRows, checkNewRoles, missingRoles, roleCatalogue, type NewRole } from '../org/roles.ts';
import type { FlowVersion, Store } from '../store/types.ts';

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

/**
 * Publishes a draft. Every role the flow declares must be in the township's role catalogue:
 * `addRoles` adds those it lacks (with the publisher's labels and scope) in the publication's
 * transaction; a role still missing refuses the publication (ROLES_MISSING, naming each).
 */
export async function publish(store: Store, versionId: number, townshipId: string, by: string, at: string, addRoles: NewRole[] = []): Promise<FlowVersion> {
  const v = await store.getFlowVersion(versionId);
  if (!v || v.townshipId !== townshipId) throw new InvalidInputError(`flow version ${versionId} is not in this township`);
  const { flow, issues } = parseFlowJson(v.json);
  if (!flow || issues.length) throw new InvalidInputError(`${v.flowId} ${v.version} has ${issues.length} error(s) and cannot be published`, issues);
  const catalogue = await roleCatalogue(store, townshipId);
  const missing = missingRoles(catalogue, flow);
  addRoles.forEach((r, i) => {
    if (!missing.some((m) => m.key === r.key)) throw new InvalidInputError(`/addRoles/${i}/key: ${r.key} is not a role this flow names that the township lacks`, [{ pointer: `/addRoles/${i}/key`, message: 'is not a role this flow names that the township lacks' }]);
  });
  const still = missing.filter((m) => !addRoles.some((r) => r.key === m.key));
  if (still.length) {
    throw new ServerRefusal(
      'ROLES_MISSING',
      `${v.flowId} ${v.version} names roles the township's role catalogue lacks: ${still.map((m) => `${m.key} (${m.label.zh})`).join(', ')}; add them to publish it`,
      still.map((m) => ({ pointer: `/roles/${m.key}`, message: `${m.key} is not a role of this township` })),
    );
  }
  checkNewRoles(catalogue, addRoles, (i) => `/addRoles/${i}`);
  const published = await store.publish(versionId, by, at, addRoles.length ? { townshipId, roles: catalogueRows(addRoles, by, at) } : undefined);
  await store.audit({ townshipId, at, actorId: by, action: 'flow.publish', target: `${v.flowId}@${v.version}`, details: { versionId, hash: v.hash, ...(addRoles.length ? { addedRoles: addRoles.map((r) => r.key) } : {}) } });
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
