// The columns and values of a partial update (only the fields given), for the one store (store.ts).

/** `change`'s given fields as column names (from `columns`) and values, in the order of `columns`. */
export function changeSets<T extends object>(change: T, columns: { [K in keyof T]-?: string }): { columns: string[]; values: unknown[] } {
  const out = { columns: [] as string[], values: [] as unknown[] };
  for (const key of Object.keys(columns) as (keyof T)[]) {
    if (change[key] === undefined) continue;
    out.columns.push(columns[key]);
    out.values.push(change[key]);
  }
  return out;
}
