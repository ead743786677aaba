// 导入人员: a township admin adds many people from the sheet the township keeps (.xlsx or .csv).
// Choose the file → the server's preview lists every row's problems in words → fix the sheet and
// choose it again → import (all or nobody) → the temporary passwords, downloaded once to hand over.
import { useState, type ChangeEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useI18n } from '../i18n/index.tsx';
import { api, errorInfo } from '../app/trpc.ts';
import { downloadFile } from '../app/download.ts';
import { useErrorText } from '../app/ui.tsx';
import { csvFile } from '../../engine/index.ts';

type Preview = Awaited<ReturnType<typeof api.org.importPreview.mutate>>;
type Imported = Awaited<ReturnType<typeof api.org.importCommit.mutate>>['people'];
type ImportFile = Parameters<typeof api.org.importPreview.mutate>[0]['file'];

const MAX_BYTES = 2 * 1024 * 1024;
/** The server's refusal of a whole file, to its words (designer/i18n/messages/org.ts `import.file`). */
const FILE_PROBLEMS: [RegExp, string][] = [
  [/larger than/, 'tooLarge'],
  [/unpacks to more than/, 'unpacked'],
  [/\.xls\) are not read/, 'xls'],
  [/looks like \.xlsx/, 'looksXlsx'],
  [/not an \.xlsx file/, 'notXlsx'],
  [/binary data/, 'binary'],
  [/neither UTF-8 nor GBK/, 'encoding'],
  [/is empty/, 'empty'],
  [/cannot be read|has no sheet/, 'unreadable'],
  [/must be the headers/, 'header'],
  [/more than \d+ rows/, 'tooManyRows'],
  [/no people below/, 'noPeople'],
];

function base64Of(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

export function ImportPanel() {
  const { t, role } = useI18n();
  const errorText = useErrorText();
  const qc = useQueryClient();
  const [file, setFile] = useState<{ name: string; data: ImportFile } | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [imported, setImported] = useState<Imported | null>(null);
  const [busy, setBusy] = useState<'checking' | 'committing' | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refusal = (err: unknown) => {
    const { message } = errorInfo(err);
    const found = FILE_PROBLEMS.find(([re]) => re.test(message));
    if (!found) return errorText(err);
    return t(`org.import.file.${found[1]}`, { columns: message.split('missing: ')[1] ?? '' });
  };

  const choose = async (e: ChangeEvent<HTMLInputElement>) => {
    const chosen = e.target.files?.[0];
    e.target.value = '';
    setPreview(null);
    setImported(null);
    setError(null);
    setFile(null);
    if (!chosen) return;
    const kind = /\.xlsx$/i.test(chosen.name) ? 'xlsx' : /\.csv$/i.test(chosen.name) ? 'csv' : null;
    if (!kind) return setError(t('org.import.file.type'));
    if (chosen.size > MAX_BYTES) return setError(t('org.import.file.tooLarge'));
    const data = { kind, base64: base64Of(new Uint8Array(await chosen.arrayBuffer())) } as const;
    setBusy('checking');
    try {
      setPreview(await api.org.importPreview.mutate({ file: data }));
      setFile({ name: chosen.name, data });
    } catch (err) {
      setError(refusal(err));
    } finally {
      setBusy(null);
    }
  };

  const commit = async () => {
    if (!file) return;
    setBusy('committing');
    setError(null);
    try {
      const { people } = await api.org.importCommit.mutate({ file: file.data, fileName: file.name });
      setImported(people);
      setPreview(null);
      setFile(null);
      await qc.invalidateQueries();
    } catch (err) {
      setError(refusal(err));
    } finally {
      setBusy(null);
    }
  };

  const downloadPasswords = () => {
    if (!imported) return;
    const rows = imported.map((p) => [p.displayName, p.username, p.mobile ?? '', p.villageName, p.temporaryPassword]);
    downloadFile(t('org.import.passwordsFile'), csvFile(t('org.import.passwordsHeaders').split(','), rows), 'text/csv;charset=utf-8');
  };
  const downloadXlsx = ({ filename, base64 }: { filename: string; base64: string }) => downloadFile(filename, Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const downloadTemplate = async () => downloadXlsx(await api.org.importTemplate.query());
  const exportPeople = async () => {
    const { filename, csv } = await api.org.exportPeople.query();
    downloadFile(filename, csv, 'text/csv;charset=utf-8');
  };
  const exportPeopleXlsx = async () => downloadXlsx(await api.org.exportPeopleXlsx.query());

  const problems = preview?.problems ?? [];
  return (
    <section aria-labelledby="org-import" data-testid="import-people">
      <h2 id="org-import">{t('org.import.title')}</h2>
      <p className="muted">{t('org.import.intro')}</p>
      <div className="org-inline">
        <button type="button" className="secondary" onClick={downloadTemplate}>
          {t('org.import.template')}
        </button>
        <button type="button" className="secondary" onClick={exportPeople}>
          {t('org.import.exportPeople')}
        </button>
        <button type="button" className="secondary" onClick={exportPeopleXlsx}>
          {t('org.import.exportPeopleXlsx')}
        </button>
        <label>
          {t('org.import.choose')}
          <input type="file" name="importFile" accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv" onChange={choose} disabled={busy !== null} />
        </label>
      </div>
      {busy && <p role="status">{t(`org.import.${busy}`)}</p>}
      {error && (
        <p role="alert" className="error-box">
          {error}
        </p>
      )}
      {preview && problems.length > 0 && (
        <>
          <p role="alert" className="error-box" data-testid="import-problems-summary">
            {t('org.import.bad', { n: problems.length })}
          </p>
          <ul className="org-list" data-testid="import-problems">
            {problems.map((p, i) => (
              <li key={i} className="card" data-row={p.row} data-code={p.code}>
                <strong>{t('org.import.row', { row: p.row })}</strong> · {t(`org.import.columns.${p.column}`)}
                {p.value && <> · “{p.value}”</>}：{t(`org.import.codes.${p.code}`)}
              </li>
            ))}
          </ul>
        </>
      )}
      {preview && problems.length === 0 && (
        <>
          <p role="status">{t('org.import.ok', { n: preview.rows.length })}</p>
          <div className="table-wrap">
            <table data-testid="import-rows">
              <thead>
                <tr>
                  <th>{t('org.import.row', { row: '' }).trim()}</th>
                  <th>{t('org.import.person')}</th>
                  <th>{t('org.import.login')}</th>
                  <th>{t('org.import.village')}</th>
                  <th>{t('org.import.roles')}</th>
                </tr>
              </thead>
              <tbody>
                {preview.rows.map((r) => (
                  <tr key={r.row}>
                    <td>{r.row}</td>
                    <td>{r.displayName}</td>
                    <td>{r.username}</td>
                    <td>{r.villageName}</td>
                    <td>{r.roles.map((g) => role(g.role)).join('、')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {preview.rows.length > 0 && (
            <button type="button" onClick={commit} disabled={busy !== null}>
              {t('org.import.commit', { n: preview.rows.length })}
            </button>
          )}
        </>
      )}
      {imported && (
        <div data-testid="import-done">
          <p role="status">{t('org.import.done', { n: imported.length })}</p>
          <button type="button" onClick={downloadPasswords}>
            {t('org.import.downloadPasswords')}
          </button>
        </div>
      )}
    </section>
  );
}
