// The public disclosure board (公开栏), no sign-in: pick a village, read what it discloses now
// (each notice with its items, its period and a QR code of its record hash, so a printed notice
// can be checked against the board) and what it disclosed before. Prints one notice per page.
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useSearch } from 'wouter';
import type { Text } from '../../engine/index.ts';
import { Preferences } from '../app/Layout.tsx';
import { api } from '../app/trpc.ts';
import { useMe } from '../app/session.ts';
import { ErrorBox, formatTime, Query } from '../app/ui.tsx';
import { isVoteResult, useFieldLabel, ValueView, type Labeler } from '../audit/Values.tsx';
import { useI18n } from '../i18n/index.tsx';
import { QrCode } from './QrCode.tsx';

type Board = Awaited<ReturnType<typeof api.board.village.query>>;
type Notice = Board['current'][number];
type Item = Notice['items'][number];

const DEFAULT_TOWNSHIP = 'qingshan';

export function BoardPage({ villageId }: { villageId: string | null }) {
  const { t } = useI18n();
  const search = useSearch();
  const township = new URLSearchParams(search).get('township') || DEFAULT_TOWNSHIP;
  const suffix = township === DEFAULT_TOWNSHIP ? '' : `?township=${encodeURIComponent(township)}`;
  const villages = useQuery({ queryKey: ['board', 'villages', township], queryFn: () => api.board.villages.query({ townshipId: township }) });
  return (
    <div className="board-page">
      <a className="skip" href="#main">
        {t('board.title')}
      </a>
      <header className="top board-header">
        <strong className="brand">{t('common.appName')}</strong>
        <span className="board-name">{t('board.title')}</span>
        <div className="board-header-end">
          <Preferences />
          <Link href="/login">{t('board.staffSignIn')}</Link>
        </div>
      </header>
      <main id="main">
        <Query q={villages}>
          {(list) =>
            list.length === 0 ? (
              <p>{t('board.noVillages')}</p>
            ) : (
              <nav className="board-villages" aria-label={t('board.villages')}>
                {list.map((v) => (
                  <Link key={v.id} href={`/board/${encodeURIComponent(v.id)}${suffix}`} aria-current={v.id === villageId ? 'page' : undefined} className={v.id === villageId ? 'chip current' : 'chip'}>
                    {v.name}
                  </Link>
                ))}
              </nav>
            )
          }
        </Query>
        {villageId ? <VillageBoard villageId={villageId} /> : <p className="board-prompt">{t('board.chooseVillage')}</p>}
      </main>
    </div>
  );
}

function VillageBoard({ villageId }: { villageId: string }) {
  const q = useQuery({ queryKey: ['board', 'village', villageId], queryFn: () => api.board.village.query({ villageId }) });
  return <Query q={q}>{(board) => <BoardView board={board} />}</Query>;
}

/** An objection just sent: said above the notices, since the objected notice leaves the board. */
type Objected = { title: string; at: string };

function BoardView({ board }: { board: Board }) {
  const { t, text } = useI18n();
  const [objected, setObjected] = useState<Objected | null>(null);
  return (
    <div data-testid="board" data-village={board.village.id}>
      {objected && (
        <p role="status" className="panel notice-objection-sent">
          <strong>{objected.title}</strong> {t('board.objectSent', { time: formatTime(objected.at) })}
        </p>
      )}
      <div className="board-title">
        <div>
          <h1>{t('board.villageBoard', { village: board.village.name })}</h1>
          <p className="muted">{t('board.asOf', { time: formatTime(board.now) })}</p>
        </div>
        {board.current.length > 0 && (
          <button type="button" className="no-print" onClick={() => window.print()}>
            {t('board.print')}
          </button>
        )}
      </div>
      <section aria-labelledby="current-title" className="board-current">
        <h2 id="current-title" className="no-print">
          {t('board.current')}
        </h2>
        {board.current.length === 0 ? (
          <p className="panel">{t('board.noCurrent')}</p>
        ) : (
          board.current.map((n) => <NoticeView key={n.id} notice={n} village={board.village.name} onObjected={setObjected} />)
        )}
      </section>
      <section aria-labelledby="past-title" className="panel board-past">
        <h2 id="past-title">{t('board.past')}</h2>
        {board.past.length === 0 ? (
          <p className="muted">{t('board.noPast')}</p>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="past">
              <thead>
                <tr>
                  <th scope="col">{t('board.colTitle')}</th>
                  <th scope="col">{t('board.colPeriod')}</th>
                  <th scope="col">{t('board.colEnded')}</th>
                  <th scope="col">{t('board.colHash')}</th>
                </tr>
              </thead>
              <tbody>
                {board.past.map((p) => (
                  <tr key={p.id}>
                    <td>
                      {p.title}
                      <div className="small muted">{text(p.stepTitle)}</div>
                    </td>
                    <td className="nowrap">
                      {formatTime(p.from)} {t('board.to')} {formatTime(p.until)}
                    </td>
                    <td className="nowrap">{formatTime(p.endedAt ?? p.until)}</td>
                    <td>
                      <code className="hash" title={p.recordHash}>
                        {p.recordHash.slice(0, 16)}…
                      </code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

/** How to name an item's fields and show its chosen options: the server sends labels by field
 * key and option titles by field key ('' for the item itself). */
function itemLabeler(item: Item, text: (t: Text) => string): Labeler {
  const labels = item.labels ?? {};
  const options = item.options ?? {};
  const own = item.pointer;
  return {
    label: (_pointer, key) => (labels[key] ? text(labels[key]) : undefined),
    format: (pointer, value) => {
      const key = pointer === own ? '' : pointer.slice(own.length + 1).split('/')[0]!;
      const title = options[key]?.[String(value)];
      return title ? text(title) : undefined;
    },
  };
}

function NoticeView({ notice, village, onObjected }: { notice: Notice; village: string; onObjected: (o: Objected) => void }) {
  const { t, text } = useI18n();
  const fieldLabel = useFieldLabel();
  const itemLabel = (item: Item) => {
    // The server falls back to the pointer itself when the flow's schema has no title.
    if (item.label.zh !== item.pointer) return text(item.label);
    if (isVoteResult(item.value)) return t('board.voteResult');
    return fieldLabel(item.pointer.split('/').at(-1) ?? item.pointer);
  };
  return (
    <article className="notice" data-testid="notice" data-hash={notice.recordHash} aria-labelledby={`notice-${notice.id}`}>
      <header className="notice-header">
        <p className="notice-kicker">
          {village} · {t('board.current')}
        </p>
        <h3 id={`notice-${notice.id}`}>{notice.title}</h3>
        <p>{t('board.step', { flow: text(notice.flowTitle), step: text(notice.stepTitle) })}</p>
        <p className="notice-period">{t('board.period', { from: formatTime(notice.from), until: formatTime(notice.until) })}</p>
      </header>
      <dl className="notice-items">
        {notice.items.map((item) => {
          const labeler = itemLabeler(item, text);
          return (
            <div key={item.pointer} className="notice-item">
              <dt>{itemLabel(item)}</dt>
              <dd>
                <ValueView value={item.value} pointer={item.pointer} labeler={labeler} />
              </dd>
            </div>
          );
        })}
      </dl>
      <footer className="notice-verify">
        <QrCode text={notice.recordHash} alt={t('board.qrAlt')} />
        <div>
          <p className="notice-hash-label">{t('board.hash')}</p>
          <code className="hash notice-hash">{notice.recordHash}</code>
          <p className="small muted">{t('board.hashHint')}</p>
          <p className="small muted">{t('board.objections')}</p>
        </div>
      </footer>
      {notice.objection && <Objection notice={notice} onObjected={onObjected} />}
    </article>
  );
}

/** Raising an objection to a notice online: for a signed-in person; others are asked to sign in. */
function Objection({ notice, onObjected }: { notice: Notice; onObjected: (o: Objected) => void }) {
  const { t } = useI18n();
  const me = useMe();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [contact, setContact] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (!me.data) {
    return (
      <p className="notice-objection no-print">
        <Link href="/login">{t('board.objectSignIn')}</Link>
      </p>
    );
  }
  if (!open) {
    return (
      <p className="notice-objection no-print">
        <button type="button" onClick={() => setOpen(true)}>
          {t('board.object')}
        </button>
      </p>
    );
  }
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await api.board.object.mutate({ instanceId: notice.instanceId, reason, contact: contact.trim() || undefined });
      onObjected({ title: notice.title, at: answer.at });
      // The objection takes the notice off the board (its step moves on): show the board as it is now.
      await qc.invalidateQueries({ queryKey: ['board'] });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="notice-objection no-print" onSubmit={submit} aria-label={t('board.objectTitle', { title: notice.title })}>
      <label>
        {t('board.objectReason')}
        <textarea name="reason" value={reason} onChange={(e) => setReason(e.target.value)} required maxLength={5000} rows={3} />
      </label>
      <label>
        {t('board.objectContact')}
        <input name="contact" value={contact} onChange={(e) => setContact(e.target.value)} maxLength={200} />
      </label>
      {error !== null && <ErrorBox error={error} />}
      <div className="actions">
        <button type="submit" disabled={busy || !reason.trim()}>
          {t('board.objectSend')}
        </button>
        <button type="button" className="secondary" onClick={() => setOpen(false)}>
          {t('board.objectCancel')}
        </button>
      </div>
    </form>
  );
}
