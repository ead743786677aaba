// The service catalogue (事项清单): everyone of the township reads it and its one-time notices;
// township admins keep it (each change in the audit log), in the app or as a CSV spreadsheet;
// village staff start a service from an item, which runs the item's flow with the item recorded.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { fromCsv, itemInput, itemIssues, mainSteps, serviceData, takesService, toCsv, type ItemInput } from '../matters/catalogue.ts';
import { InvalidInputError } from '../errors.ts';
import { authedProcedure, router, townshipProcedure } from './trpc.ts';
import { NotFoundError, type CatalogueItem, type User } from '../store/types.ts';
import type { Runtime } from '../matters/runtime.ts';

const byId = z.object({ id: z.string().max(100) });

/** An item of the user's township; any other is the same NOT_FOUND as a missing one. */
async function itemOf(runtime: Runtime, user: User, id: string): Promise<CatalogueItem> {
  const item = await runtime.store.getCatalogueItem(id);
  if (!item || item.townshipId !== user.townshipId) throw new NotFoundError(`catalogue item ${id} does not exist`);
  return item;
}

async function checkFlows(runtime: Runtime, townshipId: string, items: ItemInput[], prefix: (i: number) => string) {
  const issues = items.flatMap((item, i) => itemIssues(item, prefix(i)));
  for (const [i, item] of items.entries()) {
    if (item.flowId && !(await runtime.store.latestPublished(townshipId, item.flowId))) {
      issues.push({ pointer: `${prefix(i)}/flowId`, message: `flow ${item.flowId} has no published version in this township`, code: 'flowNotPublished' });
    }
  }
  if (issues.length) throw new InvalidInputError(`${issues[0]!.pointer}: ${issues[0]!.message}`, issues);
}

export const catalogueRouter = router({
  list: authedProcedure.query(({ ctx }) => ctx.runtime.store.listCatalogue(ctx.user.townshipId)),

  /** An item with the main steps of its flow (latest published version): the one-time notice. */
  get: authedProcedure.input(byId).query(async ({ ctx, input }) => {
    const item = await itemOf(ctx.runtime, ctx.user, input.id);
    const version = item.flowId ? await ctx.runtime.store.latestPublished(ctx.user.townshipId, item.flowId) : null;
    const flow = version ? (await ctx.runtime.compiled(version.id)).flow : null;
    return {
      item,
      township: await ctx.runtime.store.getTownship(ctx.user.townshipId),
      flow: flow ? { id: flow.id, version: flow.version, title: flow.title } : null,
      steps: flow ? mainSteps(flow as unknown as Parameters<typeof mainSteps>[0], takesService(flow) ? item.promisedDays : 0) : [],
    };
  }),

  upsert: townshipProcedure('township_admin')
    .input(itemInput)
    .mutation(async ({ ctx, input }) => {
      const { store } = ctx.runtime;
      const before = input.id ? await itemOf(ctx.runtime, ctx.user, input.id) : null;
      await checkFlows(ctx.runtime, ctx.user.townshipId, [input], () => '');
      const item: CatalogueItem = { ...input, id: before?.id ?? randomUUID(), townshipId: ctx.user.townshipId, updatedBy: ctx.user.id, updatedAt: ctx.runtime.now() };
      await store.upsertCatalogueItems([item]);
      await store.audit({ townshipId: ctx.user.townshipId, at: item.updatedAt, actorId: ctx.user.id, action: before ? 'catalogue.update' : 'catalogue.create', target: item.code, details: { id: item.id, before, after: item } });
      return item;
    }),

  delete: townshipProcedure('township_admin')
    .input(byId)
    .mutation(async ({ ctx, input }) => {
      const item = await itemOf(ctx.runtime, ctx.user, input.id);
      await ctx.runtime.store.deleteCatalogueItem(item.id);
      await ctx.runtime.store.audit({ townshipId: ctx.user.townshipId, at: ctx.runtime.now(), actorId: ctx.user.id, action: 'catalogue.delete', target: item.code, details: { id: item.id, before: item } });
      return { id: item.id };
    }),

  /** Starts the item's flow in a village; the title names the item, the item is linked for the figures. */
  start: authedProcedure
    .input(z.object({ itemId: z.string().max(100), villageId: z.string().max(100), subject: z.string().trim().max(100).optional() }))
    .mutation(async ({ ctx, input }) => {
      const item = await itemOf(ctx.runtime, ctx.user, input.itemId);
      if (item.mode === 'inform' || !item.flowId) throw new InvalidInputError(`${item.name} is inform-only: it is told, not handled`);
      const title = input.subject ? `${item.name}：${input.subject}` : item.name;
      // The item (and its promise) goes into the START record when the flow takes it: the history,
      // not a side table, is what the promised deadline is computed from.
      const version = (await ctx.runtime.store.flowsForVillage(input.villageId)).find((f) => f.flowId === item.flowId);
      const flow = version ? (await ctx.runtime.compiled(version.id)).flow : null;
      const data = flow && takesService(flow) ? { service: serviceData(item) } : undefined;
      const instance = await ctx.runtime.start(ctx.user, { villageId: input.villageId, flowId: item.flowId, title, data }, { itemId: item.id, itemCode: item.code, itemName: item.name });
      const { snapshot: _snapshot, ...summary } = instance;
      return { ...summary, item: { id: item.id, code: item.code, name: item.name, promisedDays: item.promisedDays } };
    }),

  exportCsv: authedProcedure.query(async ({ ctx }) => {
    const township = await ctx.runtime.store.getTownship(ctx.user.townshipId);
    return { filename: `${township?.name ?? ctx.user.townshipId}-事项清单.csv`, csv: toCsv(await ctx.runtime.store.listCatalogue(ctx.user.townshipId)) };
  }),

  /** Upserts every row by item code, all or none; a row with a problem is reported by row and column. */
  importCsv: townshipProcedure('township_admin')
    .input(z.object({ csv: z.string().max(2 * 1024 * 1024) }))
    .mutation(async ({ ctx, input }) => {
      const { store } = ctx.runtime;
      const rows = fromCsv(input.csv);
      await checkFlows(ctx.runtime, ctx.user.townshipId, rows, (i) => `/rows/${i}`);
      const at = ctx.runtime.now();
      let created = 0;
      let updated = 0;
      const items: CatalogueItem[] = [];
      for (const row of rows) {
        const existing = await store.getCatalogueItemByCode(ctx.user.townshipId, row.code);
        if (existing) updated++;
        else created++;
        items.push({ ...row, id: existing?.id ?? randomUUID(), townshipId: ctx.user.townshipId, updatedBy: ctx.user.id, updatedAt: at });
      }
      await store.upsertCatalogueItems(items);
      await store.audit({ townshipId: ctx.user.townshipId, at, actorId: ctx.user.id, action: 'catalogue.import', target: 'catalogue', details: { created, updated, codes: items.map((i) => i.code) } });
      return { created, updated };
    }),
});
