// A generated flow of many steps for the designer benchmark: a chain of tasks, each with a small
// form, every tenth step a review that can send the work back nine steps, and one end.
import type { Flow } from '../engine/index.ts';

const stepId = (k: number) => `step_${String(k).padStart(3, '0')}`;

/** A valid flow with `states` states (states - 1 steps and the end). */
export function chainFlow(states: number): Flow {
  const last = states - 1;
  const note = {
    type: 'object',
    title: '办理记录',
    'x-en': { title: 'Record' },
    additionalProperties: false,
    required: ['note'],
    properties: { note: { type: 'string', title: '说明', 'x-en': { title: 'Note' }, minLength: 1, maxLength: 2000 } },
  };
  const review = {
    type: 'object',
    additionalProperties: false,
    required: ['decision', 'by', 'at'],
    properties: { decision: { type: 'string', enum: ['approve', 'return', 'reject'] }, reason: { type: 'string', maxLength: 5000 }, by: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
  };
  const s: Record<string, unknown> = {};
  const steps: Record<string, unknown> = {};
  const reviews: Record<string, unknown> = {};
  for (let k = 1; k <= last; k++) {
    const next = k === last ? 'done' : stepId(k + 1);
    const title = { zh: `第${k}步`, en: `Step ${k}` };
    if (k % 10 === 0) {
      s[stepId(k)] = {
        kind: 'review',
        title,
        roles: ['party_secretary'],
        review: { saveTo: `/reviews/${stepId(k)}` },
        on: { APPROVE: next, RETURN: { target: stepId(k - 9), description: { zh: '退回重办', en: 'Back to redo' } } },
      };
      reviews[stepId(k)] = { $ref: '#/$defs/review' };
    } else {
      s[stepId(k)] = { kind: 'task', title, roles: [k % 2 ? 'committee_member' : 'party_secretary'], form: { schema: note, saveTo: `/steps/${stepId(k)}` }, on: { SUBMIT: next } };
      steps[stepId(k)] = { $ref: '#/$defs/note' };
    }
  }
  s.done = { kind: 'final', type: 'final', title: { zh: '办结', en: 'Done' }, outcome: 'closed' };
  return {
    id: `chain-${states}`,
    version: '1.0.0',
    title: { zh: `${states}个环节的流程`, en: `A flow of ${states} states` },
    roles: { committee_member: { zh: '两委委员', en: 'Committee member' }, party_secretary: { zh: '党组织书记', en: 'Party secretary' } },
    starters: ['party_secretary'],
    data: {
      type: 'object',
      additionalProperties: false,
      properties: {
        steps: { type: 'object', additionalProperties: false, properties: steps },
        reviews: { type: 'object', additionalProperties: false, properties: reviews },
      },
      $defs: { note, review },
    },
    initial: stepId(1),
    states: s,
  } as unknown as Flow;
}
