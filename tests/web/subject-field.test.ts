// The flow inspector's subject picker offers the data's string fields that are not personal, and
// every one it offers is one validateFlow accepts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateFlow, type Flow } from '../../engine/index.ts';
import { subjectCandidates } from '../../designer/editor/subject.ts';

const bundled = (id: string) => JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'flows', `${id}.flow.json`), 'utf8')) as Flow;

describe('subject candidates', () => {
  it.each(['social-assistance', 'proxy-service'])('%s: its own subject is offered, personal fields are not, and each offered one validates', (id) => {
    const flow = bundled(id);
    const offered = subjectCandidates(flow);
    expect(offered).toContain(flow.subject);
    expect(offered.some((p) => /id_number|phone|villager_name|applicant_name/.test(p))).toBe(false);
    for (const subject of offered) expect(validateFlow({ ...flow, subject }).filter((i) => i.pointer === '/subject')).toEqual([]);
  });
});
