// The clerk's meeting record (placeholder until the meetings work lands).
import type { Sender } from './useSend.ts';
export function MeetingRecord(_props: { vote: unknown; sender: Sender }) {
  return null;
}
