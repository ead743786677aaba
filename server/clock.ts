// The server's clock, injectable: tests drive time forward instead of waiting for it.
import { readFileSync, statSync } from 'node:fs';

export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** A clock that reads an ISO time from a file (re-read when the file changes): one test process can
 * move the clock of a server running in another process, across restarts. */
export function fileClock(path: string): Clock {
  let mtime = -1;
  let value = new Date(0);
  return () => {
    const m = statSync(path).mtimeMs;
    if (m !== mtime) {
      value = new Date(readFileSync(path, 'utf8').trim());
      mtime = m;
    }
    return new Date(value);
  };
}

/** A clock held in memory, moved by `set` / `advance`. */
export function manualClock(start: string | Date) {
  let now = new Date(start);
  const clock: Clock & { set(t: string | Date): void; advance(ms: number): void } = Object.assign(() => new Date(now), {
    set(t: string | Date) {
      now = new Date(t);
    },
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  });
  return clock;
}

export function clockFromEnv(value: string | undefined): Clock {
  if (value?.startsWith('file:')) return fileClock(value.slice(5));
  return systemClock;
}
