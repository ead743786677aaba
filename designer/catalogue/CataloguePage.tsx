// The service catalogue (事项清单): everyone of the township reads it and prints one-time notices;
// village staff start a service from an item; township admins add, edit, delete, import and export.
import { useState, type ChangeEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useLocation } from 'wouter';
import { useI18n } from '../i18n/index.tsx';
import { api } from '../app/trpc.ts';
import { hasTownshipRole, type Me } from '../app/session.ts';
import { downloadFile } from '../app/download.ts';
import { ErrorBox, Query } from '../app/ui.tsx';
import { catalogueLabel, ItemEditor, type Item } from './ItemEditor.tsx';
import './catalogue.css';

export function CataloguePage({ me }: { me: Me }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const admin = hasTownshipRole(me, 'township_admin');
  const list = useQuery({
    queryKey: ['catalogue'],
    queryFn: () => api.catalogue.list.query(),
  });
  const [editing, setEditing] = useState<Item | 'new' | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const reload = () => qc.invalidateQueries({ queryKey: ['catalogue'] });

  async function exportCsv() {
    setError(null);
    try {
      const { csv, filename } = await api.catalogue.exportCsv.query();
      downloadFile(filename, csv, 'text/csv;charset=utf-8');
    } catch (err) {
      setError(err);
    }
  }
  async function importCsv(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    setError(null);
    setMessage(null);
    try {
      const result = await api.catalogue.importCsv.mutate({
        csv: await file.text(),
      });
      setMessage(t('catalogue.imported', result));
      await reload();
    } catch (err) {
      setError(err);
    }
  }
  async function remove(item: Item) {
    if (!window.confirm(t('catalogue.confirmDelete', { name: item.name }))) return;
    setError(null);
    try {
      await api.catalogue.delete.mutate({ id: item.id });
      setMessage(t('catalogue.deleted', { name: item.name }));
      await reload();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <div className="catalogue">
      <h1>{t('catalogue.title')}</h1>
      <p className="muted">{t('catalogue.intro', { township: me.township?.name ?? '' })}</p>
      {admin && (
        <div className="buttons catalogue-admin">
          <button type="button" onClick={() => setEditing('new')}>
            {t('catalogue.add')}
          </button>
          <button type="button" onClick={exportCsv}>
            {t('catalogue.exportCsv')}
          </button>
          <label className="file-button">
            {t('catalogue.importCsv')}
            <input type="file" accept=".csv,text/csv" onChange={importCsv} data-testid="catalogue-import" />
          </label>
          <p className="small muted">{t('catalogue.csvHelp')}</p>
        </div>
      )}
      {message && (
        <p role="status" className="catalogue-message">
          {message}
        </p>
      )}
      {error !== null && <ErrorBox error={error} label={catalogueLabel(t)} />}
      {admin && editing && (
        <ItemEditor
          key={editing === 'new' ? 'new' : editing.id}
          item={editing === 'new' ? null : editing}
          onDone={async (saved) => {
            setEditing(null);
            if (saved) {
              setMessage(t('catalogue.saved', { name: saved.name }));
              await reload();
            }
          }}
        />
      )}
      <Query q={list}>{(items) => (items.length === 0 ? <p>{t('catalogue.empty')}</p> : <ItemTable me={me} items={items} admin={admin} onEdit={setEditing} onDelete={remove} />)}</Query>
    </div>
  );
}

function ItemTable({ me, items, admin, onEdit, onDelete }: { me: Me; items: Item[]; admin: boolean; onEdit: (i: Item) => void; onDelete: (i: Item) => void }) {
  const { t } = useI18n();
  // Where to start: the villages the user works in (not every village a township role can read).
  const own = me.villages.filter((v) => me.user.roles.some((g) => g.villageId === v.id));
  const [villageId, setVillageId] = useState(own[0]?.id ?? '');
  const [starting, setStarting] = useState<string | null>(null);
  const flows = useQuery({
    queryKey: ['flowsForVillage', villageId],
    queryFn: () => api.flows.forVillage.query({ villageId }),
    enabled: !!villageId,
  });
  const mine = new Set(me.user.roles.filter((g) => g.villageId === villageId || g.villageId === null).map((g) => g.role as string));
  const startable = new Set((flows.data ?? []).filter((f) => (f.flow as { starters: string[] }).starters.some((r) => mine.has(r))).map((f) => f.flowId));
  return (
    <>
      {own.length > 1 && (
        <label className="catalogue-village">
          {t('catalogue.startIn')}
          <select value={villageId} onChange={(e) => setVillageId(e.target.value)}>
            {own.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="table-wrap">
        <table className="table catalogue-table" data-testid="catalogue-table">
          <thead>
            <tr>
              <th scope="col">{t('catalogue.name')}</th>
              <th scope="col">{t('catalogue.mode')}</th>
              <th scope="col">{t('catalogue.limits')}</th>
              <th scope="col">{t('catalogue.fee')}</th>
              <th scope="col">{t('catalogue.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <ItemRow
                key={item.id}
                item={item}
                admin={admin}
                canStart={!!item.flowId && item.mode !== 'inform' && startable.has(item.flowId)}
                starting={starting === item.id}
                villageId={villageId}
                villageName={own.find((v) => v.id === villageId)?.name ?? ''}
                onStart={() => setStarting(starting === item.id ? null : item.id)}
                onEdit={() => onEdit(item)}
                onDelete={() => onDelete(item)}
              />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function ItemRow(props: { item: Item; admin: boolean; canStart: boolean; starting: boolean; villageId: string; villageName: string; onStart: () => void; onEdit: () => void; onDelete: () => void }) {
  const { item, admin, canStart, starting } = props;
  const { t } = useI18n();
  return (
    <>
      <tr data-testid={`item-${item.code}`}>
        <th scope="row">
          <span className="catalogue-name">{item.name}</span>
          <span className="mono small muted catalogue-code">{item.code}</span>
          {item.type && <span className="badge">{item.type}</span>}
        </th>
        <td>{t(`catalogue.modes.${item.mode}`)}</td>
        <td>
          {item.promisedDays || item.statutoryDays
            ? t('catalogue.limitsValue', {
                promised: item.promisedDays,
                statutory: item.statutoryDays,
              })
            : t('catalogue.noLimit')}
        </td>
        <td>{item.fee}</td>
        <td>
          <div className="catalogue-actions">
            <Link href={`/catalogue/${item.id}/notice`}>{t('catalogue.notice')}</Link>
            {canStart && (
              <button type="button" onClick={props.onStart} aria-expanded={starting}>
                {t('catalogue.start')}
              </button>
            )}
            {admin && (
              <>
                <button type="button" className="link-button" onClick={props.onEdit}>
                  {t('catalogue.edit')}
                </button>
                <button type="button" className="link-button danger" onClick={props.onDelete}>
                  {t('catalogue.delete')}
                </button>
              </>
            )}
          </div>
        </td>
      </tr>
      {starting && (
        <tr className="catalogue-start-row">
          <td colSpan={5}>
            <StartFromItem item={item} villageId={props.villageId} villageName={props.villageName} onCancel={props.onStart} />
          </td>
        </tr>
      )}
    </>
  );
}

function StartFromItem({ item, villageId, villageName, onCancel }: { item: Item; villageId: string; villageName: string; onCancel: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const [subject, setSubject] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="inline-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          const started = await api.catalogue.start.mutate({
            itemId: item.id,
            villageId,
            subject: subject.trim() || undefined,
          });
          await qc.invalidateQueries({ queryKey: ['inbox'] });
          navigate(`/instances/${started.id}`);
        } catch (err) {
          setError(err);
          setBusy(false);
        }
      }}
    >
      <p className="catalogue-start-where">
        {t('catalogue.startIn')}：<strong>{villageName}</strong>
      </p>
      <label>
        {t('catalogue.subject')}
        <input value={subject} onChange={(e) => setSubject(e.target.value)} maxLength={100} />
      </label>
      <button type="submit" disabled={busy}>
        {t('catalogue.confirmStart')}
      </button>
      <button type="button" className="link-button" onClick={onCancel}>
        {t('catalogue.cancel')}
      </button>
      {error !== null && <ErrorBox error={error} />}
    </form>
  );
}
