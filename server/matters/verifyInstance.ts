// An instance verifies when its chain does AND the stored instance row is what that chain leads to.
// The engine's verify covers the records; an edited row (state, status, data, seq) with the head
// left alone would otherwise still pass, and every page would show the forged state.
import { canonicalJson, verify, verifyPersonal, type CalendarVersions, type FlowVersions, type HistoryRecord, type InstanceSnapshot, type VerifyResult } from '../../engine/index.ts';
import { rosterBundleProblem, type BundledRoster } from '../org/rosters.ts';
import type { Instance, StoredPersonalValue } from '../store/types.ts';

export interface InstanceVerification {
  result: VerifyResult;
  /** One snapshot per verified record (the replay of what verifies). */
  snapshots: InstanceSnapshot[];
}

/**
 * What the store keeps beside the chain. `calendars`: the calendar versions the records name
 * (without them, only the built-in baseline). Each of the others is checked when given. `boxed`: how many ballots the
 * store's ballot box holds for the instance: as many as the history has sealed (secret) ballots
 * cast in the open vote, or the box was edited. (The engine would refuse such a box only at the
 * close; this names it as soon as anyone verifies.) `personal`: the instance's stored personal
 * values: each one not erased is checked against the commitment its record holds
 * (docs/personal-data.md), and an edited one is named. `rosters`: the stored rosters the meeting
 * records name (server/org/rosters.ts chainRosters): each must be there, match its hash and have the
 * members and voting members its record says.
 */
export function verifyInstance(
  flows: FlowVersions,
  instance: Pick<Instance, 'head' | 'state' | 'status' | 'outcome' | 'seq' | 'snapshot'>,
  records: HistoryRecord[],
  { calendars, boxed, personal, rosters }: { calendars?: CalendarVersions; boxed?: number; personal?: readonly StoredPersonalValue[]; rosters?: readonly BundledRoster[] } = {},
): InstanceVerification {
  // The snapshots of what verifies, from verify's own re-execution (no second replay): a tampered
  // tail is not shown as if it were history.
  const snapshots: InstanceSnapshot[] = [];
  const chain = verify(flows, records, { head: instance.head, snapshots, calendars });
  if (!chain.ok) return { result: chain, snapshots };
  const last = snapshots.at(-1);
  const row = { state: instance.state, status: instance.status, outcome: instance.outcome, seq: instance.seq };
  const mismatch =
    !last
      ? 'the instance has no history'
      : row.state !== last.state || row.status !== last.status || row.seq !== last.seq || (row.outcome ?? null) !== (last.outcome ?? null)
        ? `the stored instance says ${row.status} in state ${row.state} at record ${row.seq}, but its history leads to ${last.status} in state ${last.state} at record ${last.seq}: the instance row was edited`
        : canonicalJson(instance.snapshot) !== canonicalJson(last)
          ? `the stored instance's data or votes differ from what its history leads to: the instance row was edited`
          : boxed !== undefined && boxed !== sealedCount(last)
            ? `the ballot box holds ${boxed} ballot(s), but the history has ${sealedCount(last)} secret ballot(s) cast in the open vote: the ballot box was edited`
            : null;
  if (mismatch === null) {
    const roster = rosters ? rosterBundleProblem(records, rosters) : null;
    if (roster) return { result: { ok: false, count: records.length, seq: roster.seq, index: roster.seq - 1, reason: roster.reason }, snapshots };
    const kept = personal?.filter((v) => v.salt !== null) as (StoredPersonalValue & { salt: string })[] | undefined;
    const values = kept?.length ? verifyPersonal(flows, records, kept) : null;
    if (values === null || values.ok) return { result: chain, snapshots };
    return { result: { ok: false, count: records.length, seq: values.seq, index: values.seq - 1, reason: values.reason }, snapshots };
  }
  const seq = records.length;
  return { result: { ok: false, count: records.length, seq, index: records.length, reason: mismatch }, snapshots };
}

function sealedCount(snapshot: InstanceSnapshot): number {
  let n = 0;
  for (const v of Object.values(snapshot.context.ballots)) if (v === 'sealed') n++;
  return n;
}
