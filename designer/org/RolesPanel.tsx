// 角色目录: the township's roles, built-in and its own, each with its labels in Chinese and English
// and whether it is held township-wide or in one village. A township admin adds a role (a flow's
// new role can also be added when the flow is published) and edits any role's labels; a role is
// never removed, since grants and history name it.
import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { api } from '../app/trpc.ts';
import { useRoleCatalogue, type CatalogueRole } from '../app/roles.ts';
import { Query } from '../app/ui.tsx';
import { EditInPlace, hintedWords, useChange } from './OrgPage.tsx';

/** What a role's fields must look like (designer/i18n/messages/roles.ts), by pointer: a refusal for anything else is worded by its code. */
const roleProblemWords = hintedWords(
  [
    [/\/key$/, 'keyFormat'],
    [/\/label\/(zh|en)$/, 'label'],
  ],
  'roles.problems',
);

export function RolesPanel() {
  const { t } = useI18n();
  const catalogue = useRoleCatalogue();
  return (
    <section aria-labelledby="org-roles">
      <h2 id="org-roles">{t('roles.title')}</h2>
      <p className="muted">{t('roles.intro')}</p>
      <Query q={catalogue}>
        {(roles) => (
          <ul className="org-list" data-testid="roles">
            {roles.map((r) => (
              <RoleRow key={r.key} role={r} />
            ))}
          </ul>
        )}
      </Query>
      <AddRole />
    </section>
  );
}

function RoleRow({ role }: { role: CatalogueRole }) {
  const { t, lang } = useI18n();
  const { run, messages } = useChange(roleProblemWords);
  const [editing, setEditing] = useState<{ zh: string; en: string } | null>(null);
  return (
    <li className="card" data-testid="role" data-key={role.key}>
      {editing === null ? (
        <div className="org-row">
          <strong>{lang === 'en' ? role.label.en : role.label.zh}</strong>
          <span className="muted">{lang === 'en' ? role.label.zh : role.label.en}</span>
          <span className="badge">{t(`roles.scopes.${role.scope}`)}</span>
          {role.ownMatters && <span className="badge">{t('roles.ownMatters')}</span>}
          {!role.builtIn && <span className="badge">{t('roles.custom')}</span>}
          <span className="org-actions">
            <button type="button" className="secondary" onClick={() => setEditing({ ...role.label })}>
              {t('roles.editLabels')}
            </button>
          </span>
        </div>
      ) : (
        <EditInPlace save={() => run(() => api.roles.setLabel.mutate({ key: role.key, label: editing }))} close={() => setEditing(null)}>
          <LabelFields value={editing} onChange={setEditing} />
        </EditInPlace>
      )}
      {messages}
    </li>
  );
}

/** The Chinese and English labels of a role. */
export function LabelFields({ value, onChange, names = ['roleZh', 'roleEn'] }: { value: { zh: string; en: string }; onChange: (v: { zh: string; en: string }) => void; names?: [string, string] }) {
  const { t } = useI18n();
  return (
    <>
      <label>
        {t('roles.labelZh')}
        <input name={names[0]} value={value.zh} onChange={(e) => onChange({ ...value, zh: e.target.value })} required maxLength={40} />
      </label>
      <label>
        {t('roles.labelEn')}
        <input name={names[1]} value={value.en} onChange={(e) => onChange({ ...value, en: e.target.value })} required maxLength={40} />
      </label>
    </>
  );
}

/** The scope select: township-wide, or held in one village. */
export function ScopeSelect({ value, onChange, name = 'roleScope' }: { value: 'township' | 'village'; onChange: (v: 'township' | 'village') => void; name?: string }) {
  const { t } = useI18n();
  return (
    <label>
      {t('roles.scope')}
      <select name={name} value={value} onChange={(e) => onChange(e.target.value as 'township' | 'village')}>
        <option value="village">{t('roles.scopes.village')}</option>
        <option value="township">{t('roles.scopes.township')}</option>
      </select>
    </label>
  );
}

function AddRole() {
  const { t } = useI18n();
  const { run, messages } = useChange(roleProblemWords);
  const empty = { key: '', label: { zh: '', en: '' }, scope: 'village' as 'township' | 'village', ownMatters: false };
  const [form, setForm] = useState(empty);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const label = { zh: form.label.zh.trim(), en: form.label.en.trim() };
    if (await run(() => api.roles.add.mutate({ ...form, key: form.key.trim(), label }), t('roles.added', { name: label.zh }))) setForm(empty);
  };
  return (
    <form className="org-form" onSubmit={submit} aria-label={t('roles.add')} data-testid="add-role">
      <h3>{t('roles.add')}</h3>
      <label>
        {t('roles.key')}
        <input name="roleKey" className="ed-mono" value={form.key} onChange={(e) => setForm({ ...form, key: e.target.value })} required pattern="[a-z][a-z0-9]*(_[a-z0-9]+)*" maxLength={64} />
        <span className="muted">{t('roles.keyHint')}</span>
      </label>
      <LabelFields value={form.label} onChange={(label) => setForm({ ...form, label })} />
      <ScopeSelect value={form.scope} onChange={(scope) => setForm({ ...form, scope })} />
      <label className="org-check">
        <input type="checkbox" name="roleOwnMatters" checked={form.ownMatters} onChange={(e) => setForm({ ...form, ownMatters: e.target.checked })} /> {t('roles.ownMattersChoice')}
      </label>
      <button type="submit">{t('roles.add')}</button>
      {messages}
    </form>
  );
}
