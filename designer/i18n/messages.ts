// The one message catalogue: every label the app shows, in Chinese (default) and English.
// Each area keeps its labels in messages/<area>.ts; this file joins them.
import { common } from './messages/common.ts';
import { runner } from './messages/runner.ts';
import { audit } from './messages/audit.ts';
import { board } from './messages/board.ts';
import { overview } from './messages/overview.ts';

export const messages = {
  zh: { common: common.zh, runner: runner.zh, audit: audit.zh, board: board.zh, overview: overview.zh },
  en: { common: common.en, runner: runner.en, audit: audit.en, board: board.en, overview: overview.en },
};
export type Messages = (typeof messages)['zh'];
