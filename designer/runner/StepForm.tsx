// A task step's form, rendered by RJSF from the step's schema and uiSchema in the reader's
// language. Server field errors show next to their fields; what was entered survives a refusal.
import { useMemo, useState } from 'react';
import Form from '@rjsf/core';
import validator from '@rjsf/validator-ajv8';
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils';
import { localizeSchema } from '../../engine/localize.ts';
import { useI18n } from '../i18n/index.tsx';
import type { Sender } from './useSend.ts';
import { SendError } from './SendError.tsx';

export function StepForm({ form, sender, initial }: { form: { schema?: unknown; uiSchema?: unknown }; sender: Sender; initial?: unknown }) {
  const { t, lang } = useI18n();
  const schema = useMemo(() => localizeSchema(form.schema, lang) as RJSFSchema, [form.schema, lang]);
  const uiSchema = useMemo(() => localizeSchema((form.uiSchema ?? {}) as UiSchema, lang), [form.uiSchema, lang]);
  const [formData, setFormData] = useState<unknown>(initial);
  const extraErrors = sender.error?.fieldErrors as ErrorSchema | undefined;
  return (
    <div className="step-form">
      <Form
        schema={schema}
        uiSchema={{ ...uiSchema, 'ui:submitButtonOptions': { submitText: sender.busy ? t('runner.submitting') : t('runner.submit'), props: { disabled: sender.busy } } }}
        formData={formData}
        validator={validator}
        extraErrors={extraErrors}
        showErrorList={false}
        noHtml5Validate
        onChange={(e) => setFormData(e.formData)}
        onSubmit={async (e) => {
          await sender.send('SUBMIT', e.formData as Record<string, unknown>);
        }}
      />
      <SendError error={sender.error} />
    </div>
  );
}
