// Whether a drawing's view is still moving: an animated fit or zoom (React Flow's, which resolve
// when their animation ends) has not finished. The drawings show it as `data-settled`, which
// browser tests wait on before they measure or drag what is drawn.
import { useCallback, useRef, useState } from 'react';

/** Whether the reader asked for less motion (prefers-reduced-motion): the drawings then move the view at once, not animated. */
export function reducedMotion(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
}

/**
 * `track(move)` marks the view moving until `move` settles. Only the latest move counts: an
 * animation interrupted by a newer one never resolves, and the newer one's end settles the view.
 */
export function useViewMotion(): { moving: boolean; track(move: Promise<unknown>): void } {
  const latest = useRef(0);
  const [moving, setMoving] = useState(false);
  const track = useCallback((move: Promise<unknown>) => {
    const mine = ++latest.current;
    setMoving(true);
    const done = () => {
      if (latest.current === mine) setMoving(false);
    };
    move.then(done, done);
  }, []);
  return { moving, track };
}
