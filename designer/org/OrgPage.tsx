// The organisation admin (组织管理, township admins): villages (create, rename, archive — never
// delete) and people (create, edit, grants per village, password reset, deactivate — never delete).
// Laid out as stacked cards and forms, usable on a phone. Every change is in the audit log (server).
import { useState, type FormEvent, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useI18n, type Lang } from '../i18n/index.tsx';
import { refusalWords } from '../app/refusals.ts';
import type { Me } from '../app/session.ts';
import { api, errorInfo } from '../app/trpc.ts';
import { Query } from '../app/ui.tsx';
import { ImportPanel } from './ImportPanel.tsx';
import { RolesPanel } from './RolesPanel.tsx';
import { RostersPanel } from './RostersPanel.tsx';
import { useRoles } from '../app/roles.ts';
import type { RoleGrant } from '../../engine/index.ts';

type Village = Awaited<ReturnType<typeof api.org.allVillages.query>>[number];
type Person = Awaited<ReturnType<typeof api.org.users.query>>[number];

/** What a field of the organisation's forms must look like (designer/i18n/messages/org.ts), by its pointer. */
const FORMAT_HINTS: [RegExp, string][] = [
  [/^\/username$/, 'usernameFormat'],
  [/^\/mobile$/, 'mobileFormat'],
  [/^\/password$/, 'password'],
  [/^\/(name|displayName)$/, 'name'],
];
/** The input checks' own codes (server/errors.ts zodIssueCode): a field's format hint says more than they do. */
const INPUT_CHECKS = new Set(['required', 'pattern', 'minLength', 'maxLength', 'format', 'type', 'invalid']);

/**
 * A field's format hint for a refusal by an input check, else the refusal in words (by its issue
 * codes, designer/app/refusals.ts: a user name taken, a village archived, ...). `hints`: the page's.
 */
export function hintedWords(hints: [RegExp, string][], prefix: string) {
  return (t: (key: string) => string, err: unknown, lang: Lang = 'zh'): string => {
    const info = errorInfo(err);
    for (const issue of info.issues) {
      if (issue.code && !INPUT_CHECKS.has(issue.code)) continue;
      const found = hints.find(([pointer]) => pointer.test(issue.pointer));
      if (found) return t(`${prefix}.${found[1]}`);
    }
    return refusalWords(lang, info);
  };
}
export const problemWords = hintedWords(FORMAT_HINTS, 'org.problems');

/** A row's fields edited in place: saved (and closed when the change went through) or cancelled. */
export function EditInPlace({ save, close, children }: { save: () => Promise<boolean>; close: () => void; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <form
      className="org-inline"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await save()) close();
      }}
    >
      {children}
      <button type="submit">{t('org.villages.save')}</button>
      <button type="button" className="secondary" onClick={close}>
        {t('org.villages.cancel')}
      </button>
    </form>
  );
}

/** Runs a change, then refreshes the lists; shows the server's refusal in place (in `words`). */
export function useChange(words: typeof problemWords = problemWords) {
  const { t, lang } = useI18n();
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const run = async (change: () => Promise<unknown>, done?: string) => {
    setError(null);
    setNote(null);
    try {
      await change();
      await qc.invalidateQueries();
      if (done) setNote(done);
      return true;
    } catch (err) {
      setError(words(t, err, lang));
      return false;
    }
  };
  const messages = (
    <>
      {error && (
        <p role="alert" className="error-box">
          {error}
        </p>
      )}
      {note && <p role="status">{note}</p>}
    </>
  );
  return { run, messages };
}

export function OrgPage({ me }: { me: Me }) {
  const { t } = useI18n();
  const villages = useQuery({ queryKey: ['org', 'villages'], queryFn: () => api.org.allVillages.query() });
  const people = useQuery({ queryKey: ['org', 'users'], queryFn: () => api.org.users.query() });
  return (
    <section className="org" data-testid="org">
      <h1>
        {t('org.nav')} · {me.township?.name}
      </h1>
      <Query q={villages}>{(list) => <Villages villages={list} />}</Query>
      <RolesPanel />
      {/* Before the list of people, which grows long: importing them is how a township starts. */}
      <ImportPanel />
      <Query q={villages}>{(vs) => <Query q={people}>{(list) => <People people={list} villages={vs} selfId={me.user.id} />}</Query>}</Query>
      <Query q={villages}>{(vs) => <RostersPanel villages={vs} />}</Query>
    </section>
  );
}

function Villages({ villages }: { villages: Village[] }) {
  const { t } = useI18n();
  const { run, messages } = useChange();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'village' | 'community'>('village');
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (await run(() => api.org.createVillage.mutate({ name, kind }))) setName('');
  };
  return (
    <section aria-labelledby="org-villages">
      <h2 id="org-villages">{t('org.villages.title')}</h2>
      {villages.length === 0 && <p className="muted">{t('org.villages.none')}</p>}
      <ul className="org-list" data-testid="villages">
        {villages.map((v) => (
          <VillageRow key={v.id} village={v} />
        ))}
      </ul>
      <p className="muted">{t('org.villages.archivedNote')}</p>
      <form className="org-inline" onSubmit={add} aria-label={t('org.villages.add')} data-testid="add-village">
        <label>
          {t('org.villages.name')}
          <input name="villageName" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </label>
        <label>
          {t('org.villages.kind')}
          <select name="villageKind" value={kind} onChange={(e) => setKind(e.target.value as 'village' | 'community')}>
            <option value="village">{t('org.villages.kinds.village')}</option>
            <option value="community">{t('org.villages.kinds.community')}</option>
          </select>
        </label>
        <button type="submit">{t('org.villages.add')}</button>
      </form>
      {messages}
    </section>
  );
}

function VillageRow({ village }: { village: Village }) {
  const { t } = useI18n();
  const { run, messages } = useChange();
  const [renaming, setRenaming] = useState<string | null>(null);
  return (
    <li className={`card${village.archivedAt ? ' archived' : ''}`} data-testid="village" data-name={village.name}>
      {renaming === null ? (
        <div className="org-row">
          <strong>{village.name}</strong>
          <span className="muted">{t(`org.villages.kinds.${village.kind}`)}</span>
          {village.archivedAt && <span className="badge">{t('org.villages.archived')}</span>}
          <span className="org-actions">
            <button type="button" className="secondary" onClick={() => setRenaming(village.name)}>
              {t('org.villages.rename')}
            </button>
            <button type="button" className="secondary" onClick={() => run(() => api.org.setVillageArchived.mutate({ villageId: village.id, archived: !village.archivedAt }))}>
              {village.archivedAt ? t('org.villages.restore') : t('org.villages.archive')}
            </button>
          </span>
        </div>
      ) : (
        <EditInPlace save={() => run(() => api.org.renameVillage.mutate({ villageId: village.id, name: renaming }))} close={() => setRenaming(null)}>
          <label>
            {t('org.villages.name')}
            <input name="rename" value={renaming} onChange={(e) => setRenaming(e.target.value)} required maxLength={100} autoFocus />
          </label>
        </EditInPlace>
      )}
      {messages}
    </li>
  );
}

/** A grant in words: the role, and the village it is held in (or the whole township). */
function useGrantWords(villages: Village[]) {
  const { t, role } = useI18n();
  const names = new Map(villages.map((v) => [v.id, v.name]));
  return (g: RoleGrant) => `${role(g.role)} · ${g.villageId ? (names.get(g.villageId) ?? g.villageId) : t('org.people.township')}`;
}

/** Role and village selects for one grant (a township role takes no village). */
function GrantPicker({ villages, value, onChange }: { villages: Village[]; value: { role: string; villageId: string }; onChange: (v: { role: string; villageId: string }) => void }) {
  const { t, role } = useI18n();
  const { roles, isTownshipRole } = useRoles();
  const live = villages.filter((v) => !v.archivedAt);
  return (
    <>
      <label>
        {t('org.people.role')}
        <select name="grantRole" value={value.role} onChange={(e) => onChange({ role: e.target.value, villageId: isTownshipRole(e.target.value) ? '' : value.villageId || (live[0]?.id ?? '') })}>
          <option value="">—</option>
          {roles.map((r) => (
            <option key={r.key} value={r.key}>
              {role(r.key)}
            </option>
          ))}
        </select>
      </label>
      {value.role && !isTownshipRole(value.role) && (
        <label>
          {t('org.people.village')}
          <select name="grantVillage" value={value.villageId} onChange={(e) => onChange({ ...value, villageId: e.target.value })}>
            {live.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}
              </option>
            ))}
          </select>
        </label>
      )}
    </>
  );
}
const toGrant = (g: { role: string; villageId: string }, isTownshipRole: (key: string) => boolean): RoleGrant => ({ role: g.role, villageId: isTownshipRole(g.role) ? null : g.villageId });

function People({ people, villages, selfId }: { people: Person[]; villages: Village[]; selfId: string }) {
  const { t } = useI18n();
  const [find, setFind] = useState('');
  const shown = people.filter((p) => !find.trim() || [p.displayName, p.username, p.mobile ?? ''].some((s) => s.includes(find.trim())));
  return (
    <section aria-labelledby="org-people">
      <h2 id="org-people">{t('org.people.title')}</h2>
      <AddPerson villages={villages} />
      <label className="org-find">
        {t('org.people.search')}
        <input type="search" name="find" value={find} onChange={(e) => setFind(e.target.value)} />
      </label>
      <ul className="org-list" data-testid="people">
        {shown.map((p) => (
          <PersonCard key={p.id} person={p} villages={villages} self={p.id === selfId} />
        ))}
      </ul>
    </section>
  );
}

function AddPerson({ villages }: { villages: Village[] }) {
  const { t } = useI18n();
  const { isTownshipRole } = useRoles();
  const { run, messages } = useChange();
  const empty = { username: '', displayName: '', mobile: '', password: '' };
  const [form, setForm] = useState(empty);
  const [grant, setGrant] = useState({ role: '', villageId: '' });
  const field = (key: keyof typeof form) => ({ value: form[key], onChange: (e: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: e.target.value })) });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const name = form.displayName.trim();
    const ok = await run(
      () => api.org.createUser.mutate({ username: form.username.trim(), displayName: name, password: form.password, mobile: form.mobile.trim() || null, roles: grant.role ? [toGrant(grant, isTownshipRole)] : [] }),
      t('org.people.created', { name }),
    );
    if (ok) {
      setForm(empty);
      setGrant({ role: '', villageId: '' });
    }
  };
  return (
    <details className="card" data-testid="add-person">
      <summary>{t('org.people.add')}</summary>
      <form onSubmit={submit} aria-label={t('org.people.add')} className="org-form">
        <label>
          {t('org.people.displayName')}
          <input name="displayName" required maxLength={100} {...field('displayName')} />
        </label>
        <label>
          {t('org.people.username')}
          <input name="username" required pattern="[a-z0-9._\-]{3,40}" autoComplete="off" {...field('username')} />
        </label>
        <label>
          {t('org.people.mobile')}
          <input name="mobile" type="tel" inputMode="numeric" pattern="1[0-9]{10}" {...field('mobile')} />
        </label>
        <label>
          {t('org.people.temporaryPassword')}
          <input name="password" type="text" autoComplete="off" required minLength={8} {...field('password')} />
        </label>
        <fieldset>
          <legend>{t('org.people.grants')}</legend>
          <GrantPicker villages={villages} value={grant} onChange={setGrant} />
        </fieldset>
        <button type="submit">{t('org.people.add')}</button>
        {messages}
      </form>
    </details>
  );
}

function PersonCard({ person, villages, self }: { person: Person; villages: Village[]; self: boolean }) {
  const { t } = useI18n();
  const words = useGrantWords(villages);
  const { run, messages } = useChange();
  const [open, setOpen] = useState<'edit' | 'grants' | 'reset' | null>(null);
  const toggle = (what: 'edit' | 'grants' | 'reset') => setOpen(open === what ? null : what);
  let panel: ReactNode = null;
  if (open === 'edit') panel = <EditPerson person={person} run={run} close={() => setOpen(null)} />;
  if (open === 'grants') panel = <EditGrants person={person} villages={villages} run={run} close={() => setOpen(null)} />;
  if (open === 'reset') panel = <ResetPassword person={person} run={run} close={() => setOpen(null)} />;
  return (
    <li className={`card${person.deactivatedAt ? ' archived' : ''}`} data-testid="person" data-username={person.username}>
      <div className="org-row">
        <strong>{person.displayName}</strong>
        <span className="muted mono">{person.username}</span>
        {person.mobile && <span className="muted">{person.mobile}</span>}
        {person.deactivatedAt && <span className="badge danger">{t('org.people.deactivated')}</span>}
        {person.mustChangePassword && !person.deactivatedAt && <span className="badge">{t('org.people.mustChange')}</span>}
      </div>
      <p className="muted" data-testid="grants">
        {person.roles.length ? person.roles.map(words).join('；') : t('org.people.noGrants')}
      </p>
      <div className="org-actions">
        <button type="button" className="secondary" aria-expanded={open === 'edit'} onClick={() => toggle('edit')}>
          {t('org.people.edit')}
        </button>
        <button type="button" className="secondary" aria-expanded={open === 'grants'} onClick={() => toggle('grants')}>
          {t('org.people.grants')}
        </button>
        <button type="button" className="secondary" aria-expanded={open === 'reset'} onClick={() => toggle('reset')}>
          {t('org.people.resetPassword')}
        </button>
        {!self && (
          <button type="button" className="secondary" onClick={() => run(() => api.org.setActive.mutate({ userId: person.id, active: !!person.deactivatedAt }))}>
            {person.deactivatedAt ? t('org.people.reactivate') : t('org.people.deactivate')}
          </button>
        )}
      </div>
      {panel}
      {messages}
    </li>
  );
}

type Run = ReturnType<typeof useChange>['run'];

/** A panel's submit button and the one that closes it unchanged. */
function SubmitOrCancel({ submit, close }: { submit: string; close: () => void }) {
  const { t } = useI18n();
  return (
    <div className="buttons">
      <button type="submit">{submit}</button>
      <button type="button" className="secondary" onClick={close}>
        {t('org.people.cancel')}
      </button>
    </div>
  );
}

function EditPerson({ person, run, close }: { person: Person; run: Run; close: () => void }) {
  const { t } = useI18n();
  const [displayName, setDisplayName] = useState(person.displayName);
  const [mobile, setMobile] = useState(person.mobile ?? '');
  return (
    <form
      className="org-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await run(() => api.org.updateUser.mutate({ userId: person.id, displayName, mobile: mobile.trim() || null }), t('org.people.saved'))) close();
      }}
    >
      <label>
        {t('org.people.displayName')}
        <input name="editDisplayName" value={displayName} onChange={(e) => setDisplayName(e.target.value)} required maxLength={100} />
      </label>
      <label>
        {t('org.people.mobile')}
        <input name="editMobile" type="tel" inputMode="numeric" pattern="1[0-9]{10}" value={mobile} onChange={(e) => setMobile(e.target.value)} />
      </label>
      <SubmitOrCancel submit={t('org.people.save')} close={close} />
    </form>
  );
}

function EditGrants({ person, villages, run, close }: { person: Person; villages: Village[]; run: Run; close: () => void }) {
  const { t } = useI18n();
  const { isTownshipRole } = useRoles();
  const words = useGrantWords(villages);
  const [grants, setGrants] = useState<RoleGrant[]>(person.roles);
  const [adding, setAdding] = useState({ role: '', villageId: '' });
  return (
    <form
      className="org-form"
      data-testid="grants-editor"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await run(() => api.org.setRoles.mutate({ userId: person.id, roles: grants }), t('org.people.saved'))) close();
      }}
    >
      <ul>
        {grants.map((g, i) => (
          <li key={`${g.role}@${g.villageId}`}>
            {words(g)}{' '}
            <button type="button" className="link-button" onClick={() => setGrants(grants.filter((_, j) => j !== i))}>
              {t('org.people.removeGrant')}
            </button>
          </li>
        ))}
      </ul>
      <fieldset>
        <legend>{t('org.people.addGrant')}</legend>
        <GrantPicker villages={villages} value={adding} onChange={setAdding} />
        <button
          type="button"
          className="secondary"
          disabled={!adding.role || (!isTownshipRole(adding.role) && !adding.villageId)}
          onClick={() => {
            const g = toGrant(adding, isTownshipRole);
            if (!grants.some((x) => x.role === g.role && x.villageId === g.villageId)) setGrants([...grants, g]);
            setAdding({ role: '', villageId: '' });
          }}
        >
          {t('org.people.addGrant')}
        </button>
      </fieldset>
      <SubmitOrCancel submit={t('org.people.saveGrants')} close={close} />
    </form>
  );
}

function ResetPassword({ person, run, close }: { person: Person; run: Run; close: () => void }) {
  const { t } = useI18n();
  const [password, setPassword] = useState('');
  return (
    <form
      className="org-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await run(() => api.org.resetPassword.mutate({ userId: person.id, password }), t('org.people.resetDone'))) close();
      }}
    >
      <label>
        {t('org.people.temporaryPassword')}
        <input name="temporaryPassword" type="text" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} required minLength={8} />
      </label>
      <SubmitOrCancel submit={t('org.people.resetConfirm')} close={close} />
    </form>
  );
}
