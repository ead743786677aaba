// Simulating a draft flow in the browser with the same engine (placeholder until it lands).
import type { Flow, FlowEvent } from '../../engine/types.ts';

export interface SimulatorProps {
  flow: Flow;
  /** The states the simulated instance has been through, in order, for the canvas to mark. */
  onPath?: (states: string[]) => void;
  /** A finished simulation as a golden run: { flow: `<id>.flow.json`, events, expect }. */
  onSaveRun?: (run: { flow: string; events: FlowEvent[]; expect: { final: string; hashes: string[] } }) => void;
}

export function Simulator(_props: SimulatorProps) {
  return null;
}
