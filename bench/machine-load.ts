// The machine the benchmarks run on may be shared: its load says how far wall-clock figures (p99
// above all) can be trusted.
import os from 'node:os';

export const loadLine = (): string => `load average (1 min) at the end: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`;
