// 五议两公开 written by hand as a plain XState v5 machine: the baseline the engine is measured
// against. Same states, same transitions (targets, re-entry, guards), same context shape, and
// assign actions that store what the engine stores (form data at saveTo, review decisions, vote
// results, ballots, objections, timers, the disclosure board). What it leaves out is the engine's
// own work around the machine: event and payload validation (Ajv), vote counting (votes arrive
// already decided as VOTE.PASSED etc.), CEL guards (plain functions here), the working-day
// calendar (timer dues are natural days here), history records and their SHA-256 hash chain.
import { assign, setup } from 'xstate';
import type { MachineEvent } from '../engine/actions.ts';
import type { InstanceContext, VoteResult } from '../engine/index.ts';

/** The machine takes the same events the engine's machine takes. */
export type BareEvent = MachineEvent;
export type BareInput = NonNullable<MachineEvent['input']>;

interface StateSpec {
  id: string;
  /** Timers started on entry: id → natural days. */
  timers: [string, number][];
  /** Disclosure states: the data paths published on the board. */
  publish?: string[][];
  vote?: boolean;
}
const DAY_MS = 86_400_000;

function emptyContext(at: string): InstanceContext {
  return { data: {}, enteredAt: at, timers: {}, disclosure: null, ballots: {}, votes: {}, objections: [], overdue: {}, taken: null };
}

/** Immutable write of `value` at data[path[0]][path[1]]... (what the engine's setAt does). */
function put(node: unknown, path: string[], value: unknown, i = 0): Record<string, unknown> {
  const base = node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as Record<string, unknown>) : {};
  const key = path[i]!;
  return { ...base, [key]: i === path.length - 1 ? value : put(base[key], path, value, i + 1) };
}
function get(node: unknown, path: string[]): unknown {
  let cur = node;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

const S = {
  proposal: { id: 'proposal', timers: [] },
  two_committees: { id: 'two_committees', timers: [], vote: true },
  party_members_meeting: { id: 'party_members_meeting', timers: [], vote: true },
  representatives_meeting: { id: 'representatives_meeting', timers: [], vote: true },
  township_review: { id: 'township_review', timers: [['township_review:deadline', 10]] },
  resolution_disclosure: {
    id: 'resolution_disclosure',
    timers: [['resolution_disclosure:disclosure', 7]],
    publish: [['proposal', 'subject'], ['proposal', 'category'], ['proposal', 'content'], ['proposal', 'budget'], ['votes', 'representatives'], ['reviews', 'township']],
  },
  resolution_objection: { id: 'resolution_objection', timers: [['resolution_objection:deadline', 7]] },
  implementation: { id: 'implementation', timers: [['implementation:deadline', 90]] },
  result_disclosure: {
    id: 'result_disclosure',
    timers: [['result_disclosure:disclosure', 7]],
    publish: [['proposal', 'subject'], ['proposal', 'budget'], ['votes', 'representatives'], ['implementation']],
  },
  result_objection: { id: 'result_objection', timers: [['result_objection:deadline', 7]] },
  adopted: { id: 'adopted', timers: [] },
  rejected: { id: 'rejected', timers: [] },
  withdrawn: { id: 'withdrawn', timers: [] },
} satisfies Record<string, StateSpec>;

const bare = setup({
  types: {} as { context: InstanceContext; events: BareEvent; input: BareInput | undefined },
  guards: {
    /** The actor holds one of the roles; for branching SUBMITs, payload.decision matches. */
    allowed: ({ event }, p: { roles: string[]; decision?: string }) =>
      event.actor.roles.some((r) => p.roles.includes(r)) && (p.decision === undefined || event.payload.decision === p.decision),
  },
  actions: {
    enter: assign(({ context, event }, p: { s: StateSpec }) => {
      const at = event.at ?? event.input?.at ?? context.enteredAt;
      const timers = { ...context.timers };
      for (const [id, days] of p.s.timers) timers[id] = { due: new Date(Date.parse(at) + days * DAY_MS).toISOString() };
      const disclosure = p.s.publish
        ? {
            state: p.s.id,
            from: at,
            until: timers[`${p.s.id}:disclosure`]!.due,
            items: Object.fromEntries(p.s.publish.map((path) => ['/' + path.join('/'), get(context.data, path) ?? null])),
          }
        : context.disclosure;
      const overdue = { ...context.overdue };
      delete overdue[p.s.id];
      return { enteredAt: at, timers, disclosure, overdue, ...(p.s.vote ? { ballots: {} } : {}) };
    }),
    leave: assign(({ context }, p: { s: StateSpec }) => {
      const timers = { ...context.timers };
      for (const [id] of p.s.timers) delete timers[id];
      return { timers, disclosure: context.disclosure?.state === p.s.id ? null : context.disclosure, ballots: {} };
    }),
    take: assign((_, p: { taken: string }) => ({ taken: p.taken })),
    save: assign(({ context, event }, p: { taken: string; to: string[] }) => ({ taken: p.taken, data: put(context.data, p.to, event.payload) })),
    review: assign(({ context, event }, p: { taken: string; to: string[] }) => ({
      taken: p.taken,
      data: put(context.data, p.to, { decision: event.type.toLowerCase(), ...event.payload, by: event.actor.id, at: event.at }),
    })),
    vote: assign(({ context, event }, p: { taken: string; state: string; to: string[] }) => ({
      taken: p.taken,
      votes: { ...context.votes, [p.state]: event.vote! },
      ballots: {},
      data: put(context.data, p.to, event.vote),
    })),
    ballot: assign(({ context, event }, p: { taken: string }) => ({
      taken: p.taken,
      ballots: { ...context.ballots, [event.actor.id]: event.payload.choice as 'for' | 'against' | 'abstain' },
    })),
    object: assign(({ context, event }, p: { taken: string; state: string }) => ({
      taken: p.taken,
      objections: [...context.objections, { state: p.state, by: event.actor.id, at: event.at, reason: String(event.payload.reason) }],
    })),
    overdue: assign(({ context, event }, p: { taken: string; state: string }) => ({ taken: p.taken, overdue: { ...context.overdue, [p.state]: event.at } })),
    timerDone: assign(({ context, event }, p: { taken: string }) => {
      const timers = { ...context.timers };
      delete timers[event.timer!];
      return { taken: p.taken, timers };
    }),
  },
});

type Act =
  | { type: 'take' | 'ballot' | 'timerDone'; params: { taken: string } }
  | { type: 'save' | 'review'; params: { taken: string; to: string[] } }
  | { type: 'vote'; params: { taken: string; state: string; to: string[] } }
  | { type: 'object' | 'overdue'; params: { taken: string; state: string } };

// Transition builders: a targeted transition re-enters (like the engine's), each is guarded by roles.
const roles = (...r: string[]) => r;
const to = (target: string, r: string[], action: Act, decision?: string) => ({
  target,
  reenter: true,
  guard: { type: 'allowed' as const, params: { roles: r, decision } },
  actions: [action],
});
const stay = (r: string[], action: Act) => ({ guard: { type: 'allowed' as const, params: { roles: r } }, actions: [action] });
const lifecycle = (s: StateSpec) => ({ entry: [{ type: 'enter' as const, params: { s } }], exit: [{ type: 'leave' as const, params: { s } }] });
const key = (state: string, event: string, i = 0) => `${state}#${event}#${i}`;
const save = (state: string, event: string, path: string[], i = 0): Act => ({ type: 'save', params: { taken: key(state, event, i), to: path } });
const review = (state: string, event: string, path: string[]): Act => ({ type: 'review', params: { taken: key(state, event), to: path } });
const vote = (state: string, event: string, path: string[]): Act => ({ type: 'vote', params: { taken: key(state, event), state, to: path } });
const object = (state: string): Act => ({ type: 'object', params: { taken: key(state, 'OBJECT'), state } });
const timerDone = (state: string, event: string): Act => ({ type: 'timerDone', params: { taken: key(state, event) } });
const overdue = (state: string): Act => ({ type: 'overdue', params: { taken: key(state, 'DEADLINE.EXCEEDED'), state } });

const CLERK = roles('clerk');
const SYSTEM = roles('system');
const OBJECTORS = roles('villager', 'villager_representative', 'supervisory_member');
const voteOn = (state: string, passed: string, failed: string, path: string[]) => ({
  'VOTE.PASSED': to(passed, CLERK, vote(state, 'VOTE.PASSED', path)),
  'VOTE.FAILED': to(failed, CLERK, vote(state, 'VOTE.FAILED', path)),
  'VOTE.NO_QUORUM': to(state, CLERK, vote(state, 'VOTE.NO_QUORUM', path)),
});

export const fiveDeliberationsMachine = bare.createMachine({
  id: 'five-deliberations-two-disclosures',
  initial: 'proposal',
  context: ({ input }) => input?.context ?? emptyContext('1970-01-01T00:00:00.000Z'),
  states: {
    proposal: {
      ...lifecycle(S.proposal),
      on: {
        SUBMIT: to('two_committees', roles('party_secretary'), save('proposal', 'SUBMIT', ['proposal'])),
        WITHDRAW: to('withdrawn', roles('party_secretary'), { type: 'take', params: { taken: key('proposal', 'WITHDRAW') } }),
      },
    },
    two_committees: {
      ...lifecycle(S.two_committees),
      on: voteOn('two_committees', 'party_members_meeting', 'proposal', ['votes', 'two_committees']),
    },
    party_members_meeting: {
      ...lifecycle(S.party_members_meeting),
      on: {
        ...voteOn('party_members_meeting', 'representatives_meeting', 'two_committees', ['votes', 'party_members']),
        CAST_BALLOT: stay(roles('party_member'), { type: 'ballot', params: { taken: key('party_members_meeting', 'CAST_BALLOT') } }),
      },
    },
    representatives_meeting: {
      ...lifecycle(S.representatives_meeting),
      on: voteOn('representatives_meeting', 'township_review', 'rejected', ['votes', 'representatives']),
    },
    township_review: {
      ...lifecycle(S.township_review),
      on: {
        APPROVE: to('resolution_disclosure', roles('township_reviewer'), review('township_review', 'APPROVE', ['reviews', 'township'])),
        RETURN: to('two_committees', roles('township_reviewer'), review('township_review', 'RETURN', ['reviews', 'township'])),
        REJECT: to('rejected', roles('township_reviewer'), review('township_review', 'REJECT', ['reviews', 'township'])),
        'DEADLINE.EXCEEDED': stay(SYSTEM, overdue('township_review')),
      },
    },
    resolution_disclosure: {
      ...lifecycle(S.resolution_disclosure),
      on: {
        'DISCLOSURE.ENDED': to('implementation', SYSTEM, timerDone('resolution_disclosure', 'DISCLOSURE.ENDED')),
        OBJECT: to('resolution_objection', OBJECTORS, object('resolution_disclosure')),
      },
    },
    resolution_objection: {
      ...lifecycle(S.resolution_objection),
      on: {
        SUBMIT: [
          to('resolution_disclosure', roles('committee_member'), save('resolution_objection', 'SUBMIT', ['objections', 'resolution'], 0), 'republish'),
          to('two_committees', roles('committee_member'), save('resolution_objection', 'SUBMIT', ['objections', 'resolution'], 1), 'revise'),
        ],
        'DEADLINE.EXCEEDED': stay(SYSTEM, overdue('resolution_objection')),
      },
    },
    implementation: {
      ...lifecycle(S.implementation),
      on: {
        SUBMIT: to('result_disclosure', roles('committee_member', 'party_secretary'), save('implementation', 'SUBMIT', ['implementation'])),
        'DEADLINE.EXCEEDED': stay(SYSTEM, overdue('implementation')),
      },
    },
    result_disclosure: {
      ...lifecycle(S.result_disclosure),
      on: {
        'DISCLOSURE.ENDED': to('adopted', SYSTEM, timerDone('result_disclosure', 'DISCLOSURE.ENDED')),
        OBJECT: to('result_objection', OBJECTORS, object('result_disclosure')),
      },
    },
    result_objection: {
      ...lifecycle(S.result_objection),
      on: {
        SUBMIT: [
          to('result_disclosure', roles('committee_member'), save('result_objection', 'SUBMIT', ['objections', 'result'], 0), 'republish'),
          to('implementation', roles('committee_member'), save('result_objection', 'SUBMIT', ['objections', 'result'], 1), 'rectify'),
        ],
        'DEADLINE.EXCEEDED': stay(SYSTEM, overdue('result_objection')),
      },
    },
    adopted: { ...lifecycle(S.adopted), type: 'final' },
    rejected: { ...lifecycle(S.rejected), type: 'final' },
    withdrawn: { ...lifecycle(S.withdrawn), type: 'final' },
  },
});

export { emptyContext as bareEmptyContext };
