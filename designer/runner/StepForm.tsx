// A task step's form, rendered by RJSF from the step's schema and uiSchema in the reader's
// language. Errors show next to their fields, in that language too; what was entered survives a
// refusal; a choice is left for the person to make, not preselected; a step that comes round again
// (a proposal sent back) starts from what was recorded, to revise rather than retype.
import { useMemo, useState } from 'react';
import Form from '@rjsf/core';
import validator from '@rjsf/validator-ajv8';
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils';
import { localizeSchema } from '../../engine/localize.ts';
import { useI18n } from '../i18n/index.tsx';
import type { Sender } from './useSend.ts';
import { SendError } from './SendError.tsx';
import { localizeFormErrors } from './formErrors.ts';
import { FORM_DEFAULTS } from '../editor/formModel.ts';
import { formWidgets } from '../editor/formDesignerPreview.tsx';

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
        transformErrors={(errors) => localizeFormErrors(errors, lang)}
        // Nothing answered for the person: a single choice starts unchosen, not on its first option,
        // and a required yes/no unanswered, not on 否 (as the form designer's preview, FORM_DEFAULTS).
        experimental_defaultFormStateBehavior={FORM_DEFAULTS}
        widgets={formWidgets}
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
