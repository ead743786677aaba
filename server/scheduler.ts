// Delivers due timers. Timers are rows, so nothing is lost to a restart: whatever fell due while
// the server was down is delivered on the first tick. Each delivery is the engine's TIMER event
// appended with the instance's sequence number, so a timer two ticks (or two processes) race for
// is accepted once; the loser sees a conflict or a timer no longer running, and moves on.
import type { Runtime } from './runtime.ts';
import { ConflictError } from './store/types.ts';

export interface TickReport {
  delivered: number;
  skipped: number;
  failed: { instanceId: string; timerId: string; error: string }[];
}

export class Scheduler {
  private handle: NodeJS.Timeout | null = null;
  private running: Promise<TickReport> | null = null;

  constructor(
    private readonly runtime: Runtime,
    private readonly intervalMs = 1000,
    private readonly onFailure: (f: TickReport['failed'][number]) => void = () => {},
  ) {}

  /** Delivers every timer due now, oldest first. Overlapping calls share one run. */
  tick(): Promise<TickReport> {
    this.running ??= this.deliverDue().finally(() => (this.running = null));
    return this.running;
  }

  private async deliverDue(): Promise<TickReport> {
    const report: TickReport = { delivered: 0, skipped: 0, failed: [] };
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
