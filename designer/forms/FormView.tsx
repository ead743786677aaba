// A step's form as a village user gets it (RJSF from the schema and uiSchema, in one language):
// the one form view, for the runner's steps, the designer's live preview and the simulator's task
// steps; and the attachment widget: a file or photo becomes a reference (./attachments.ts).
import { Component, useMemo, useState, type ReactNode } from 'react';
import Form from '@rjsf/core';
import type { ErrorSchema, RegistryWidgetsType, RJSFSchema, UiSchema, WidgetProps } from '@rjsf/utils';
import { holdsUserId, localizeSchema } from '../../engine/index.ts';
import { translate, type Lang } from '../i18n/index.tsx';
import { fileReference, readReference } from './attachments.ts';
import { localizeFormErrors } from './formErrors.ts';
import { formValidator } from './formValidator.ts';

/**
 * How a village user's form should fill itself in: a yes/no question (a required boolean) starts
 * unanswered rather than “否”, and a single choice starts unchosen rather than on its first option,
 * so `required` means the person answered. RJSF's experimental_defaultFormStateBehavior.
 */
export const FORM_DEFAULTS = { requiredBooleanDefault: 'skip', constAsDefaults: 'skipOneOf' } as const;

/** RJSF's file widget, replaced: the form keeps the file's fingerprint and name, not its bytes. */
export function AttachmentWidget(props: WidgetProps) {
  const { id, value, onChange, disabled, readonly, options, registry, required, autofocus } = props;
  const lang: Lang = (registry.formContext as { lang?: Lang } | undefined)?.lang ?? 'zh';
  const [reading, setReading] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const ref = readReference(value);
  const accept = typeof options.accept === 'string' ? options.accept : undefined;
  return (
    <div className="fd2-attach">
      <input
        id={id}
        type="file"
        accept={accept}
        disabled={disabled || readonly || reading}
        required={required && !value}
        autoFocus={autofocus}
        aria-describedby={`${id}__ref`}
        onChange={async (e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (!file) return;
          setReading(true);
          setFailed(null);
          try {
            onChange((await fileReference(file, 'file')).ref);
          } catch (err) {
            setFailed(err instanceof Error ? err.message : String(err));
          } finally {
            setReading(false);
          }
        }}
      />
      <p id={`${id}__ref`} className="fd2-attach-ref" aria-live="polite">
        {reading ? translate(lang, 'formDesigner.widget.reading')
        : ref ? (
          <>
            {translate(lang, 'formDesigner.widget.chosen', { name: ref.name || ref.hex.slice(0, 12) })} <code title={ref.hex}>{ref.hex.slice(0, 12)}…</code>{' '}
            {!disabled && !readonly && (
              <button type="button" className="secondary fd2-small" onClick={() => onChange(undefined)}>
                {translate(lang, 'formDesigner.widget.remove')}
              </button>
            )}
          </>
        ) : (
          <span className="muted">{translate(lang, accept?.startsWith('image/') ? 'formDesigner.widget.nonePhoto' : 'formDesigner.widget.none')}</span>
        )}
      </p>
      {failed && (
        <p role="alert" className="field-error">
          {translate(lang, 'formDesigner.widget.failed', { message: failed })}
        </p>
      )}
    </div>
  );
}

/**
 * A field that holds a user id (engine holdsUserId: the case owner's account), filled with the
 * signed-in person's own: it reads as their name with the account beside it, never an id to type.
 * Another account (one recorded before) shows the same way, by id when no name is known.
 */
export function AccountWidget(props: WidgetProps) {
  const { id, value, registry } = props;
  const me = (registry.formContext as { me?: { id: string; name: string } } | undefined)?.me;
  const text = typeof value === 'string' ? value : '';
  return (
    <output id={id} className="account-field" data-testid="account-field">
      {me && text === me.id ? (
        <>
          {me.name} <span className="muted mono">{text}</span>
        </>
      ) : (
        <span className="mono">{text}</span>
      )}
    </output>
  );
}

export const formWidgets: RegistryWidgetsType = { FileWidget: AttachmentWidget, AccountWidget };

/** A form's top-level fields that hold a user id (a decision's `by` is the engine's to fill). */
function accountKeys(schema: unknown): string[] {
  return Object.keys((schema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {}).filter((k) => k !== 'by' && holdsUserId(k));
}

/** The uiSchema with each top-level field that holds a user id shown by AccountWidget. */
function withAccounts(schema: unknown, uiSchema: UiSchema): UiSchema {
  const keys = accountKeys(schema);
  return keys.length ? { ...uiSchema, ...Object.fromEntries(keys.map((k) => [k, { ...(uiSchema[k] as object | undefined), 'ui:widget': 'AccountWidget' }])) } : uiSchema;
}

/** The form's starting data with each field that holds a user id filled with the signed-in person's, where empty. */
export function withOwnAccount(initial: unknown, schema: unknown, me: { id: string } | undefined): unknown {
  const keys = accountKeys(schema);
  if (!me || keys.length === 0 || (initial !== undefined && (initial === null || typeof initial !== 'object' || Array.isArray(initial)))) return initial;
  const current = (initial ?? {}) as Record<string, unknown>;
  const missing = keys.filter((k) => current[k] === undefined || current[k] === '');
  return missing.length ? { ...current, ...Object.fromEntries(missing.map((k) => [k, me.id])) } : initial;
}

class Boundary extends Component<{ children: ReactNode; fallback: (error: Error) => ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    return this.state.error ? this.props.fallback(this.state.error) : this.props.children;
  }
}

export interface FormViewProps {
  form: { schema?: unknown; uiSchema?: unknown };
  lang: Lang;
  /** Called with valid data; returns false to keep the data (a refusal), true to clear it. */
  onSubmit: (data: Record<string, unknown>) => Promise<boolean> | boolean;
  extraErrors?: Record<string, unknown>;
  busy?: boolean;
  /** Data to start from (a step that comes round again starts from what was recorded). */
  initial?: unknown;
  /** The signed-in person, for a field that holds their own account (AccountWidget). */
  me?: { id: string; name: string };
}

/**
 * A step's form as village users see it: the one RJSF setup shared by the runner's StepForm, the
 * form designer's preview and the simulator. Labels and errors in the reader's language, the
 * attachment widget, and FORM_DEFAULTS (nothing answered for the person).
 */
export function FormView({ form, lang, onSubmit, extraErrors, busy, initial, me }: FormViewProps) {
  const schema = useMemo(() => localizeSchema(form.schema ?? { type: 'object' }, lang) as RJSFSchema, [form.schema, lang]);
  const uiSchema = useMemo(() => {
    const localized = localizeSchema((form.uiSchema ?? {}) as UiSchema, lang);
    return me ? withAccounts(form.schema, localized) : localized;
  }, [form.schema, form.uiSchema, lang, me]);
  const validator = useMemo(() => formValidator(schema), [schema]);
  const [formData, setFormData] = useState<unknown>(initial);
  const [boundaryKey, setBoundaryKey] = useState(0);
  const formContext = useMemo(() => ({ lang, me }), [lang, me]);
  return (
    <div className="step-form fd2-form-view">
      <Boundary
        key={`${boundaryKey}:${JSON.stringify(form.schema)}:${JSON.stringify(form.uiSchema)}`}
        fallback={(error) => (
          <div role="alert" className="error-box">
            {translate(lang, 'formDesigner.preview.broken', { message: error.message })}{' '}
            <button type="button" className="secondary fd2-small" onClick={() => (setFormData(undefined), setBoundaryKey((k) => k + 1))}>
              {translate(lang, 'formDesigner.preview.clear')}
            </button>
          </div>
        )}
      >
        <Form
          schema={schema}
          uiSchema={{ ...uiSchema, 'ui:submitButtonOptions': { submitText: translate(lang, busy ? 'runner.submitting' : 'runner.submit'), props: { disabled: !!busy } } }}
          formData={formData}
          validator={validator}
          widgets={formWidgets}
          experimental_defaultFormStateBehavior={FORM_DEFAULTS}
          transformErrors={(errors) => localizeFormErrors(errors, lang)}
          formContext={formContext}
          extraErrors={extraErrors as ErrorSchema | undefined}
          showErrorList={false}
          noHtml5Validate
          onChange={(e) => setFormData(e.formData)}
          onSubmit={async (e) => {
            if (await onSubmit((e.formData ?? {}) as Record<string, unknown>)) setFormData(undefined);
          }}
        />
      </Boundary>
    </div>
  );
}
