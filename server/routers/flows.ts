// Flows of a township: everyone in it reads published versions; admins draft, publish, and choose
// the villages that may start each flow.
import { z } from 'zod';
import { validateFlow } from '../../engine/index.ts';
import { ForbiddenError, InvalidInputError } from '../errors.ts';
import { publish, saveDraft } from '../matters/flows.ts';
import { NEW_ROLE } from '../org/roles.ts';
import { canRead, hasTownshipRole } from '../access/scope.ts';
import { authedProcedure, router, townshipProcedure } from './trpc.ts';
import { NotFoundError } from '../store/types.ts';

const MAX_FLOW_JSON = 2 * 1024 * 1024;

export const flowsRouter = router({
  list: authedProcedure.input(z.object({ flowId: z.string().max(80).optional() }).optional()).query(async ({ ctx, input }) => {
    const all = await ctx.runtime.store.listFlowVersions(ctx.user.townshipId, input?.flowId);
    const admin = hasTownshipRole(ctx.user, 'township_admin');
    return all.filter((v) => admin || v.status === 'published').map(({ json: _json, ...meta }) => meta);
  }),

  get: authedProcedure.input(z.object({ id: z.number().int() })).query(async ({ ctx, input }) => {
    const v = await ctx.runtime.store.getFlowVersion(input.id);
    if (!v || v.townshipId !== ctx.user.townshipId || (v.status === 'draft' && !hasTownshipRole(ctx.user, 'township_admin'))) {
      throw new NotFoundError(`flow version ${input.id} does not exist`);
    }
    return { ...v, flow: JSON.parse(v.json) as unknown };
  }),

  validate: authedProcedure.input(z.object({ json: z.string().max(MAX_FLOW_JSON) })).mutation(({ input }) => {
    try {
      return { issues: validateFlow(JSON.parse(input.json)) };
    } catch (error) {
      return { issues: [{ pointer: '', message: `not JSON: ${(error as Error).message}` }] };
    }
  }),

  saveDraft: townshipProcedure('township_admin')
    .input(z.object({ json: z.string().max(MAX_FLOW_JSON) }))
    .mutation(async ({ ctx, input }) => {
      const { version, issues } = await saveDraft(ctx.runtime.store, ctx.user.townshipId, input.json, ctx.user.id, ctx.runtime.now());
      await ctx.runtime.store.audit({ townshipId: ctx.user.townshipId, at: ctx.runtime.now(), actorId: ctx.user.id, action: 'flow.draft', target: `${version.flowId}@${version.version}`, details: { versionId: version.id, hash: version.hash, errors: issues.length } });
      const { json: _json, ...meta } = version;
      return { version: meta, issues };
    }),

  publish: townshipProcedure('township_admin')
    .input(z.object({ id: z.number().int(), addRoles: z.array(NEW_ROLE).max(100).optional() }))
    .mutation(async ({ ctx, input }) => {
      const { json: _json, ...meta } = await publish(ctx.runtime.store, input.id, ctx.user.townshipId, ctx.user.id, ctx.runtime.now(), input.addRoles);
      if (input.addRoles?.length) ctx.runtime.roles.forget(ctx.user.townshipId);
      return meta;
    }),

  setVillages: townshipProcedure('township_admin')
    .input(z.object({ flowId: z.string().max(80), villageIds: z.array(z.string().max(100)).max(1000) }))
    .mutation(async ({ ctx, input }) => {
      const { store } = ctx.runtime;
      const villages = new Set((await store.listVillages(ctx.user.townshipId)).map((v) => v.id));
      const foreign = input.villageIds.filter((v) => !villages.has(v));
      if (foreign.length) throw new InvalidInputError(`not villages of this township: ${foreign.join(', ')}`);
      if (!(await store.latestPublished(ctx.user.townshipId, input.flowId))) throw new InvalidInputError(`flow ${input.flowId} has no published version`);
      const before = await store.flowVillages(ctx.user.townshipId, input.flowId);
      await store.setFlowVillages(ctx.user.townshipId, input.flowId, input.villageIds);
      await store.audit({ townshipId: ctx.user.townshipId, at: ctx.runtime.now(), actorId: ctx.user.id, action: 'flow.villages', target: input.flowId, details: { before, after: input.villageIds } });
      return { flowId: input.flowId, villageIds: input.villageIds };
    }),

  forVillage: authedProcedure.input(z.object({ villageId: z.string().max(100) })).query(async ({ ctx, input }) => {
    const village = await ctx.runtime.village(input.villageId);
    if (!canRead(ctx.user, village)) throw new ForbiddenError(`you have no role in village ${village.name}`);
    return (await ctx.runtime.store.flowsForVillage(village.id)).map(({ json, ...meta }) => ({ ...meta, flow: JSON.parse(json) as unknown }));
  }),
});
