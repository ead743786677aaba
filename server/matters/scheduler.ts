// Delivers due timers. Timers are rows, so nothing is lost to a restart: whatever fell due while
// the server was down is delivered on the first tick. Each delivery is the engine's TIMER event
// appended with the instance's sequence number, so a timer two ticks (or two processes) race for
// is accepted once; the loser sees a conflict or a timer no longer running, and moves on.
// Every ten minutes of server time a tick also prunes sign-in bookkeeping: ended sessions and
// failed sign-ins too old to count.
import { pruneSignIns } from '../access/auth.ts';
import type { Runtime } from './runtime.ts';
import { ConflictError } from '../store/types.ts';

export interface TickReport {
  delivered: number;
  skipped: number;
  failed: { instanceId: string; timerId: string; error: string }[];
  /** Rows of sign-in bookkeeping deleted, when this tick pruned. */
  pruned?: { sessions: number; loginFailures: number };
}

const PRUNE_EVERY_MS = 10 * 60_000;

export class Scheduler {
  private handle: NodeJS.Timeout | null = null;
  private running: Promise<TickReport> | null = null;
  private prunedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly runtime: Runtime,
    private readonly intervalMs = 1000,
    private readonly onFailure: (f: TickReport['failed'][number]) => void = () => {},
    private readonly onPruneFailure: (error: unknown) => void = () => {},
  ) {}

  /** Delivers every timer due now, oldest first. Overlapping calls share one run. */
  tick(): Promise<TickReport> {
    this.running ??= this.deliverDue().finally(() => (this.running = null));
    return this.running;
  }

  private async deliverDue(): Promise<TickReport> {
    const report: TickReport = { delivered: 0, skipped: 0, failed: [] };
    await this.prune(report);
    for (;;) {
      const due = await this.runtime.store.dueTimers(this.runtime.now(), 100);
      let progressed = false;
      for (const t of due) {
        try {
          if (await this.deliver(t.instanceId, t.timerId)) report.delivered++, (progressed = true);
          else report.skipped++;
        } catch (error) {
          if (error instanceof ConflictError) {
            report.skipped++;
            continue;
          }
          const failure = { instanceId: t.instanceId, timerId: t.timerId, error: (error as Error).message };
          report.failed.push(failure);
          this.onFailure(failure);
        }
      }
      // A batch that delivered nothing (all stale or failing) would be fetched again: stop.
      if (due.length < 100 || !progressed) return report;
    }
  }

  private async prune(report: TickReport) {
    const now = this.runtime.clock();
    // A clock moved back (tests, a corrected server clock) prunes at once too.
    if (Math.abs(now.getTime() - this.prunedAt) < PRUNE_EVERY_MS) return;
    this.prunedAt = now.getTime();
    try {
      report.pruned = await pruneSignIns(this.runtime.store, now, this.runtime.sessions);
    } catch (error) {
      // Sign-in bookkeeping failing to shrink must not stop timers being delivered.
      this.onPruneFailure(error);
    }
  }

  /** A conflict means someone else's event came first; the timer may still be running, so look
   * again at once (a store that leases timers to one process would otherwise leave it claimed). */
  private async deliver(instanceId: string, timerId: string): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runtime.deliverTimer(instanceId, timerId);
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt === 3) throw error;
      }
    }
  }

  start(): void {
    if (this.handle) return;
    this.handle = setInterval(() => void this.tick(), this.intervalMs);
    this.handle.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    if (this.handle) clearInterval(this.handle);
    this.handle = null;
    await this.running;
  }
}
