// Generated types: committed files match what the flows generate, and a flow change shows as stale.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { generateTypes, typesOf } from '../../cli/generate-types.ts';
import { readFlowJson } from '../helpers.ts';
import type { Flow } from '../../engine/index.ts';

describe('flows/types', () => {
  it('is up to date with every bundled flow', async () => {
    expect(await generateTypes(true)).toEqual([]);
  });
  it('would be stale after a form field is added', async () => {
    const flow = readFlowJson('flows/four-deliberations-two-disclosures.flow.json') as unknown as Flow;
    const committed = readFileSync('flows/types/four-deliberations-two-disclosures.ts', 'utf8');
    expect(await typesOf(flow)).toBe(committed);
    const props = flow.states.proposal!.form!.schema.properties as Record<string, unknown>;
    props.contact_phone = { type: 'string', title: '联系电话' };
    const changed = await typesOf(flow);
    expect(changed).not.toBe(committed);
    expect(changed).toMatch(/contact_phone\?: string;/);
  });
  it('names a form that saves exactly a part of the data by that part, not by a copy of it', async () => {
    const flow = readFlowJson('flows/four-deliberations-two-disclosures.flow.json') as unknown as Flow;
    const text = await typesOf(flow);
    expect(text).toContain('export type FourDeliberationsTwoDisclosuresImplementationForm = NonNullable<FourDeliberationsTwoDisclosuresData["implementation"]>;');
    // A form that differs from its data (the proposal: the data also keeps the revision note) keeps its own type.
    expect(text).toMatch(/export interface FourDeliberationsTwoDisclosuresProposalForm \{/);
  });
});
