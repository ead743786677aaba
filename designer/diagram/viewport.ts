// The diagram's first view: the whole flow when it is readable at that size (fit view), else a
// readable zoom centred on the focus (the current step), kept from showing empty space beyond
// the drawing's edges.
import type { Box, Size } from './layout.ts';

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

/** The smallest zoom the first view uses: below it titles and labels get too small to read. */
const READABLE_ZOOM = 0.9;
const PAD = 16;

/** Zoom and pan for the first view: the whole flow if it is readable so, else the focus at a readable zoom. */
export function initialViewport(layout: Size, box: Size, focus: Box | undefined, textScale = 1): Viewport {
  const fit = Math.min((box.width - 2 * PAD) / layout.width, (box.height - 2 * PAD) / layout.height);
  const zoom = fit >= READABLE_ZOOM * textScale ? Math.min(fit, 1.2 * textScale) : READABLE_ZOOM * textScale;
  const axis = (size: number, space: number, at: number | undefined) => {
    if (size * zoom <= space - 2 * PAD || at === undefined) return (space - size * zoom) / 2;
    const centred = space / 2 - at * zoom;
    return Math.min(PAD, Math.max(space - PAD - size * zoom, centred));
  };
  return {
    zoom,
    x: axis(layout.width, box.width, focus ? focus.x + focus.width / 2 : undefined),
    y: axis(layout.height, box.height, focus ? focus.y + focus.height / 2 : undefined),
  };
}

