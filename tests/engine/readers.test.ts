// Who reads every matter of a flow, from the flow alone: step holders and electorates always,
// then either every role a transition names or the flow's own `readers`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readerRoles, stepHolders, validateFlow, type Flow } from '../../engine/index.ts';

const bundled = (id: string) => JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'flows', `${id}.flow.json`), 'utf8')) as Flow;

describe('readerRoles', () => {
  it('five-deliberations: the step holders, the three electorates, and those who may object', () => {
    const flow = bundled('five-deliberations-two-disclosures');
    expect(stepHolders(flow)).toEqual(expect.arrayContaining(['party_secretary', 'clerk', 'committee_member', 'party_member', 'villager_representative', 'township_reviewer']));
    expect(stepHolders(flow)).not.toContain('supervisory_member');
    expect(readerRoles(flow)).toEqual(expect.arrayContaining([...stepHolders(flow), 'supervisory_member', 'villager']));
  });

  it('social-assistance declares no readers beyond those who handle the case: objectors do not read the file', () => {
    const flow = bundled('social-assistance');
    expect(flow.readers).toEqual([]);
    expect(new Set(readerRoles(flow))).toEqual(new Set(['applicant', 'committee_member', 'township_caseworker', 'township_reviewer', 'county_reviewer']));
  });

  it('declared readers add to the step holders; a reader that is not a role of the flow is refused', () => {
    const flow = { ...bundled('social-assistance'), readers: ['supervisory_member'] };
    expect(readerRoles(flow)).toContain('supervisory_member');
    expect(readerRoles(flow)).not.toContain('villager_representative');
    expect(validateFlow(flow)).toEqual([]);
    const bad = validateFlow({ ...flow, readers: ['supervisory_member', 'party_member'] });
    expect(bad).toEqual([{ pointer: '/readers/1', message: 'role "party_member" is not declared in /roles' }]);
  });
});

describe('the subject field', () => {
  const flow = bundled('social-assistance');
  it('social-assistance names the applicant\'s account as who a matter is about, and validates', () => {
    expect(flow.subject).toBe('/application/applicant_account');
    expect(validateFlow(flow)).toEqual([]);
  });

  it('must be a declared string field that is not personal', () => {
    const issues = (subject: string) => validateFlow({ ...flow, subject }).filter((i) => i.pointer === '/subject').map((i) => i.message);
    expect(issues('/application/no_such_field')).toEqual([expect.stringContaining('is not declared')]);
    expect(issues('/application/consent_to_checks')).toEqual([expect.stringContaining('must be a string field')]);
    expect(issues('/application/members')).toEqual([expect.stringContaining('may not read the personal field')]);
    expect(issues('/application/id_number')).toEqual([expect.stringContaining('may not read the personal field')]);
    expect(validateFlow({ ...flow, subject: 'application' } as Flow).map((i) => i.pointer)).toContain('/subject');
  });
});
