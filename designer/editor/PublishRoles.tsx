// On publishing: the roles the flow declares that the township's role catalogue lacks. Each is
// listed with the flow's labels (editable) and a scope (a village's by default), to be added to the
// catalogue in the publication's own transaction; the server refuses to publish without them.
import { useEffect, useState } from 'react';
import type { Flow } from '../../engine/index.ts';
import { useRoleCatalogue } from '../app/roles.ts';
import { useI18n } from '../i18n/index.tsx';
import { LabelFields, ScopeSelect } from '../org/RolesPanel.tsx';

export interface RoleToAdd {
  key: string;
  label: { zh: string; en: string };
  scope: 'township' | 'village';
  ownMatters: boolean;
}

/** The flow's roles the catalogue lacks, as roles to add (null while the catalogue loads), and their edits. */
export function useMissingRoles(roles: Flow['roles']): [RoleToAdd[] | null, (r: RoleToAdd[]) => void] {
  const catalogue = useRoleCatalogue();
  const [edited, setEdited] = useState<RoleToAdd[] | null>(null);
  const keys = catalogue.data ? new Set(catalogue.data.map((r) => r.key)) : null;
  const missing = keys
    ? Object.entries(roles ?? {})
        .filter(([key]) => !keys.has(key))
        .map(([key, label]): RoleToAdd => edited?.find((r) => r.key === key) ?? { key, label: { zh: label.zh, en: label.en ?? key }, scope: 'village', ownMatters: false })
    : null;
  useEffect(() => setEdited(null), [roles]);
  return [missing, setEdited];
}

export function MissingRoles({ roles, onChange }: { roles: RoleToAdd[]; onChange: (r: RoleToAdd[]) => void }) {
  const { t } = useI18n();
  if (!roles.length) return null;
  const change = (key: string, patch: Partial<RoleToAdd>) => onChange(roles.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  return (
    <div data-testid="publish-roles">
      <p className="ed-hint">{t('roles.publish.missing')}</p>
      {roles.map((r) => (
        <fieldset key={r.key} className="ed-row" data-testid="publish-role" data-key={r.key}>
          <legend>
            <code className="ed-code">{r.key}</code>
          </legend>
          <LabelFields value={r.label} onChange={(label) => change(r.key, { label })} names={[`addRoleZh-${r.key}`, `addRoleEn-${r.key}`]} />
          <ScopeSelect value={r.scope} onChange={(scope) => change(r.key, { scope })} name={`addRoleScope-${r.key}`} />
          <label className="ed-check">
            <input type="checkbox" checked={r.ownMatters} onChange={(e) => change(r.key, { ownMatters: e.target.checked })} /> {t('roles.ownMatters')}
          </label>
        </fieldset>
      ))}
    </div>
  );
}
