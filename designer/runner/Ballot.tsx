// Ballots cast one by one (placeholder until the meetings work lands).
import type { Sender } from './useSend.ts';
export function Ballot(_props: { vote: unknown; events: string[]; ballots?: { cast: number; mine: string | null }; sender: Sender }) {
  return null;
}
