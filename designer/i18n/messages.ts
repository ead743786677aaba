// The one message catalogue: every label the app shows, in Chinese (default) and English.
// Each area keeps its labels in messages/<area>.ts; this file joins them.
import { common } from './messages/common.ts';
import { runner } from './messages/runner.ts';
import { meeting } from './messages/meeting.ts';
import { diagram } from './messages/diagram.ts';
import { audit } from './messages/audit.ts';
import { board } from './messages/board.ts';
import { overview } from './messages/overview.ts';
import { editor } from './messages/editor.ts';
import { formDesigner } from './messages/formDesigner.ts';
import { catalogue } from './messages/catalogue.ts';
import { calendar } from './messages/calendar.ts';
import { auth } from './messages/auth.ts';
import { personal } from './messages/personal.ts';
import { org } from './messages/org.ts';
import { roles } from './messages/roles.ts';
import { rosters } from './messages/rosters.ts';

const areas = { common, auth, runner, meeting, diagram, audit, board, overview, editor, formDesigner, catalogue, calendar, personal, org, roles, rosters };
type Areas = typeof areas;

export const messages = {
  zh: Object.fromEntries(Object.entries(areas).map(([k, v]) => [k, v.zh])) as { [K in keyof Areas]: Areas[K]['zh'] },
  en: Object.fromEntries(Object.entries(areas).map(([k, v]) => [k, v.en])) as { [K in keyof Areas]: Areas[K]['en'] },
};
export type Messages = (typeof messages)['zh'];
