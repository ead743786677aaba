// The engine's error taxonomy. Hosts map `code` to their own transport codes in one table.
import type { FlowIssue } from './types.ts';

export type EngineErrorCode =
  /** The flow itself is malformed. */
  | 'FLOW_INVALID'
  /** The event object is malformed (missing type, bad time, wrong payload shape). */
  | 'EVENT_INVALID'
  /** The current state takes no such event, or the instance has ended. */
  | 'EVENT_NOT_ALLOWED'
  /** The actor holds none of the roles that may send this event here. */
  | 'ROLE_FORBIDDEN'
  /** Every transition for the event has a guard that is false. */
  | 'GUARD_REJECTED'
  /** The payload does not satisfy the step's form schema (issues name the fields). */
  | 'FORM_INVALID'
  /** A meeting record whose numbers contradict each other, a bad ballot, a second secret ballot, or a ballot box that does not match the ballots cast. */
  | 'VOTE_INVALID'
  /** A meeting's members or eligible differ from the body's roster the host supplied (the issues name each field and both numbers). */
  | 'ROSTER_MISMATCH'
  /** A timer that is not running, or not yet due. */
  | 'TIMER_INVALID'
  /** The event's time is earlier than the instance's last event. */
  | 'TIME_REVERSED'
  /** The instance data would no longer satisfy the flow's data schema. */
  | 'DATA_INVALID'
  /** A calendar year or schedule file is malformed, or refused by the checks (the problems name the dates). */
  | 'CALENDAR_INVALID'
  /** A record names a calendar version that was not supplied. */
  | 'CALENDAR_MISSING';

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  readonly issues: FlowIssue[];
  constructor(code: EngineErrorCode, message: string, issues: FlowIssue[] = []) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    this.issues = issues;
  }
}

export class FlowInvalidError extends EngineError {
  constructor(issues: FlowIssue[]) {
    super(
      'FLOW_INVALID',
      `flow is invalid: ${issues.length} error(s); first: ${issues[0]?.pointer || '/'}: ${issues[0]?.message}`,
      issues,
    );
    this.name = 'FlowInvalidError';
  }
}
