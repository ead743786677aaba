// A task step's form: the shared FormView (labels and errors in the reader's language, nothing
// preselected) sending SUBMIT. What was entered survives a refusal; a step that comes round again
// (a proposal sent back) starts from what was recorded, to revise rather than retype. A field for
// the person's own account (the case owner's) is theirs already, shown by name (AccountWidget).
import { useMemo } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { formLabels } from '../app/refusals.ts';
import { FormView, withOwnAccount } from '../forms/FormView.tsx';
import { useMe } from '../app/session.ts';
import type { Sender } from './useSend.ts';
import { SendError } from './SendError.tsx';

export function StepForm({ form, sender, initial }: { form: { schema?: unknown; uiSchema?: unknown }; sender: Sender; initial?: unknown }) {
  const { lang } = useI18n();
  const label = useMemo(() => formLabels(form.schema, lang), [form.schema, lang]);
  const user = useMe().data?.user;
  const me = useMemo(() => (user ? { id: user.id, name: user.displayName } : undefined), [user]);
  return (
    <>
      <FormView
        form={form}
        lang={lang}
        initial={withOwnAccount(initial, form.schema, me)}
        me={me}
        busy={sender.busy}
        extraErrors={sender.error?.fieldErrors}
        // Keep the entries either way: on success the step moves on and this form goes away.
        onSubmit={async (data) => (await sender.send('SUBMIT', data), false)}
      />
      <SendError error={sender.error} label={label} />
    </>
  );
}
