// Audit: an instance's history, every intermediate snapshot, the engine's verify over the stored
// chain, an export bundle that `villageflow verify` checks offline, and the administrative log.
import { z } from 'zod';
import { chainFlows, chainVersions } from '../matters/migrate.ts';
import { actorNames } from '../org/organisation.ts';
import { personalView } from '../matters/personal.ts';
import { peopleNames } from '../org/names.ts';
import { roleCatalogue } from '../org/roles.ts';
import type { Store } from '../store/types.ts';
import { verifyInstance } from '../matters/verifyInstance.ts';
import { chainRosters } from '../org/rosters.ts';
import { authedProcedure, router, townshipProcedure } from './trpc.ts';

const byId = z.object({ id: z.string().max(100) });

/** How many ballots the instance's ballot box holds (its open secret vote's), for verifyInstance. */
async function boxed(store: Store, instanceId: string): Promise<number | undefined> {
  return (await store.ballotBox(instanceId))?.ballots.length;
}

export const auditRouter = router({
  history: authedProcedure.input(byId).query(async ({ ctx, input }) => {
    const { instance, village, as } = await ctx.runtime.readable(ctx.user, input.id);
    const personal = await personalView(ctx.runtime, ctx.user, village, instance, as);
    return personal.records(await ctx.runtime.store.history(instance.id));
  }),

  replay: authedProcedure.input(byId).query(async ({ ctx, input }) => {
    const { instance, village, as } = await ctx.runtime.readable(ctx.user, input.id);
    const records = await ctx.runtime.store.history(instance.id);
    // Every version the chain ran on: a migrated instance replays each stretch on its own version.
    const flows = await chainFlows(ctx.runtime, instance, records);
    const { result, snapshots } = verifyInstance(flows, instance, records, { calendars: await ctx.runtime.chainCalendars(records), boxed: await boxed(ctx.runtime.store, instance.id) });
    const good = records.slice(0, snapshots.length);
    const personal = await personalView(ctx.runtime, ctx.user, village, instance, as);
    const seen = personal.records(good);
    return {
      verified: result,
      steps: seen.map((record, i) => ({ record, state: snapshots[i]!.state, status: snapshots[i]!.status, version: snapshots[i]!.flow.version, data: personal.data(snapshots[i]!.context.data), votes: personal.mask(snapshots[i]!.context.votes) })),
    };
  }),

  verify: authedProcedure.input(byId).query(async ({ ctx, input }) => {
    const { instance } = await ctx.runtime.readable(ctx.user, input.id);
    const records = await ctx.runtime.store.history(instance.id);
    // The personal values too: each against the commitment in its record (never sent back).
    const personal = await ctx.runtime.store.personalValues(instance.id);
    const calendars = await ctx.runtime.chainCalendars(records);
    // And the rosters its meeting records name, each against its record.
    const rosters = await chainRosters(ctx.runtime.store, records);
    return verifyInstance(await chainFlows(ctx.runtime, instance, records), instance, records, { calendars, boxed: await boxed(ctx.runtime.store, instance.id), personal, rosters }).result;
  }),

  // Personal values stay out: the history holds their commitments, so the bundle verifies offline
  // as it is (docs/personal-data.md).
  export: authedProcedure.input(byId).query(async ({ ctx, input }) => {
    const { instance, village } = await ctx.runtime.readable(ctx.user, input.id);
    const version = (await ctx.runtime.store.getFlowVersion(instance.flowVersionId))!;
    const history = await ctx.runtime.store.history(instance.id);
    const versions = await chainVersions(ctx.runtime, instance, history);
    return {
      format: 'villageflow-bundle/1',
      exportedAt: ctx.runtime.now(),
      instance: { id: instance.id, title: instance.title, village: { id: village.id, name: village.name }, state: instance.state, status: instance.status, head: instance.head },
      /** The version the instance runs on now. */
      flow: JSON.parse(version.json) as unknown,
      // A migrated instance ran on several versions: all of them, oldest first, for `villageflow verify`.
      ...(versions.length > 1 ? { flows: versions.map((v) => JSON.parse(v.json) as unknown) } : {}),
      history,
      // Every working-day calendar version the records name, so the bundle verifies offline.
      calendars: await ctx.runtime.chainCalendars(history),
      // Who acted, by name beside the ids the records carry (verify ignores it).
      people: await actorNames(ctx.runtime.store, instance, history),
      // The rosters its meeting records name (server/org/rosters.ts): verify checks each against its record.
      rosters: await chainRosters(ctx.runtime.store, history),
    };
  }),

  log: townshipProcedure('township_admin', 'auditor')
    .input(z.object({ limit: z.number().int().min(1).max(1000).optional() }).optional())
    .query(async ({ ctx, input }) => {
      // Each entry with the names of who acted and of what it acted on (a person, a village, the
      // township, a flow or one of its versions): people read names, not ids.
      const { store } = ctx.runtime;
      const entries = await store.auditLog(ctx.user.townshipId, input?.limit ?? 200);
      const names = await peopleNames(store, ctx.user.townshipId, entries.flatMap((e) => [e.actorId, e.target]));
      const targets = new Map(names);
      for (const v of await store.listVillages(ctx.user.townshipId)) targets.set(v.id, v.name);
      const township = await store.getTownship(ctx.user.townshipId);
      if (township) targets.set(township.id, township.name);
      for (const v of await store.listFlowVersions(ctx.user.townshipId)) {
        targets.set(`${v.flowId}@${v.version}`, `${v.title} ${v.version}`);
        targets.set(v.flowId, v.title);
      }
      // A role's entries (role.create, role.label) name it by its key: its label now.
      const roles = new Map((await roleCatalogue(store, ctx.user.townshipId)).map((r) => [r.key, r.label.zh]));
      const targetName = (e: { action: string; target: string }) => (e.action.startsWith('role.') ? roles.get(e.target) : targets.get(e.target)) ?? null;
      return entries.map((e) => ({ ...e, actorName: names.get(e.actorId) ?? null, targetName: targetName(e) }));
    }),
});
