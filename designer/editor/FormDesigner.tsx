// The form designer of a task step (placeholder until it lands): edits the step's form config.
import type { FormConfig } from '../../engine/types.ts';

export interface FormDesignerProps {
  /** The step's form, or undefined when the step has none yet. */
  form: FormConfig | undefined;
  /** Called with the whole new form on every edit (one undoable edit each). */
  onChange: (next: FormConfig) => void;
  /** Pointers the flow's data schema offers for saveTo (e.g. /proposal). */
  dataPointers?: string[];
}

export function FormDesigner(_props: FormDesignerProps) {
  return null;
}
