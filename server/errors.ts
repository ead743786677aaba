// One table from every error the server knows to a tRPC code. Engine errors keep their engine code
// and field issues in the response data, so a form can show each issue next to its field.
import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { CalendarRefusedError, EngineError, fieldErrorsOf, type CalendarProblem, type EngineErrorCode, type FieldErrors, type FlowIssue, escapeToken } from '../engine/index.ts';
import { ConflictError, NotFoundError } from './store/types.ts';

export class ForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}
/**
 * Refusals of the server's own (not the engine's) that a client acts on: each code with its tRPC
 * code. The code travels as `engineCode`, beside the engine's, so a client reads one field.
 */
const SERVER_CODES = {
  /** The user must choose a new password before anything else (a new user, a reset password). */
  PASSWORD_CHANGE_REQUIRED: 'FORBIDDEN',
  /** Too many failed sign-ins of this user name from this address: try again after `retryAfterSeconds`. */
  SIGN_IN_THROTTLED: 'TOO_MANY_REQUESTS',
  /** A personal value's "show" by someone whose roles the flow does not name (personal.reveal). */
  REVEAL_NOT_ALLOWED: 'FORBIDDEN',
  /** A personal value erased after its retention period: there is nothing left to show. */
  PERSONAL_ERASED: 'NOT_FOUND',
  /** The account was deactivated by a township admin: it cannot sign in (its history stays). */
  ACCOUNT_DEACTIVATED: 'FORBIDDEN',
  /** A grant of a role the township's role catalogue lacks (the issues name each). */
  ROLE_UNKNOWN: 'BAD_REQUEST',
  /** A flow published that names roles the township's catalogue lacks, without adding them (the issues name each). */
  ROLES_MISSING: 'PRECONDITION_FAILED',
  /** A meeting of a body with no roster in the village yet: no active member holds its role and no count is registered (in force that day). */
  ROSTER_EMPTY: 'PRECONDITION_FAILED',
  /** A ballot by someone who is not a voting member of the body's roster (not on it, or probationary). */
  NOT_ON_ROSTER: 'FORBIDDEN',
} as const satisfies Record<string, TRPC_ERROR_CODE_KEY>;
export type ServerErrorCode = keyof typeof SERVER_CODES;
/** Every reason the server's own refusals give (the web app words each: common.refusals). */
export const SERVER_ERROR_CODES = Object.keys(SERVER_CODES) as ServerErrorCode[];

export class ServerRefusal extends Error {
  readonly retryAfterSeconds?: number;
  readonly issues: FlowIssue[];
  /** `detail`: seconds to wait (SIGN_IN_THROTTLED), or the issues naming what is refused. */
  constructor(
    readonly code: ServerErrorCode,
    message: string,
    detail?: number | FlowIssue[],
  ) {
    super(message);
    this.name = 'ServerRefusal';
    this.retryAfterSeconds = typeof detail === 'number' ? detail : undefined;
    this.issues = Array.isArray(detail) ? detail : [];
  }
}

export class InvalidInputError extends Error {
  readonly issues: FlowIssue[];
  constructor(message: string, issues: FlowIssue[] = []) {
    super(message);
    this.name = 'InvalidInputError';
    this.issues = issues;
  }
}

const ENGINE_CODES: Record<EngineErrorCode, TRPC_ERROR_CODE_KEY> = {
  FLOW_INVALID: 'BAD_REQUEST',
  EVENT_INVALID: 'BAD_REQUEST',
  FORM_INVALID: 'BAD_REQUEST',
  VOTE_INVALID: 'BAD_REQUEST',
  DATA_INVALID: 'BAD_REQUEST',
  EVENT_NOT_ALLOWED: 'PRECONDITION_FAILED',
  GUARD_REJECTED: 'PRECONDITION_FAILED',
  TIMER_INVALID: 'PRECONDITION_FAILED',
  TIME_REVERSED: 'PRECONDITION_FAILED',
  ROLE_FORBIDDEN: 'FORBIDDEN',
  CALENDAR_INVALID: 'BAD_REQUEST',
  CALENDAR_MISSING: 'PRECONDITION_FAILED',
  ROSTER_MISMATCH: 'BAD_REQUEST',
};

/** Every reason the engine's refusals give (the web app words each: common.refusals). */
export const ENGINE_ERROR_CODES = Object.keys(ENGINE_CODES) as EngineErrorCode[];

/** Details the client may see: which engine rule refused the call and the issues by field. */
export interface ErrorDetails {
  engineCode?: EngineErrorCode | ServerErrorCode;
  /** SIGN_IN_THROTTLED: seconds until the next try is taken (also the Retry-After header). */
  retryAfterSeconds?: number;
  issues?: FlowIssue[];
  /** The issues shaped like the form data (RJSF's ErrorSchema): `{ budget: { __errors: [...] } }`. */
  fieldErrors?: FieldErrors;
  /** A refused calendar year: each problem with its date and words (calendar.adopt). */
  problems?: CalendarProblem[];
}
function withFields(details: ErrorDetails): ErrorDetails {
  return details.issues?.length ? { ...details, fieldErrors: fieldErrorsOf(details.issues) } : details;
}

export function toTRPCError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  if (error instanceof EngineError) {
    return new TRPCError({ code: ENGINE_CODES[error.code], message: error.message, cause: error });
  }
  if (error instanceof ConflictError) return new TRPCError({ code: 'CONFLICT', message: error.message, cause: error });
  if (error instanceof NotFoundError) return new TRPCError({ code: 'NOT_FOUND', message: error.message, cause: error });
  if (error instanceof ForbiddenError) return new TRPCError({ code: 'FORBIDDEN', message: error.message, cause: error });
  if (error instanceof InvalidInputError) return new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: error });
  if (error instanceof ServerRefusal) return new TRPCError({ code: SERVER_CODES[error.code], message: error.message, cause: error });
  return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'internal error', cause: error instanceof Error ? error : undefined });
}

export function detailsOf(error: TRPCError): ErrorDetails {
  const cause = error.cause;
  if (cause instanceof CalendarRefusedError) return withFields({ engineCode: cause.code, issues: cause.issues, problems: cause.problems });
  if (cause instanceof EngineError) return withFields({ engineCode: cause.code, issues: cause.issues });
  if (cause instanceof InvalidInputError) return withFields({ issues: cause.issues });
  if (cause instanceof ServerRefusal) {
    if (cause.retryAfterSeconds !== undefined) return { engineCode: cause.code, retryAfterSeconds: cause.retryAfterSeconds };
    return cause.issues.length ? withFields({ engineCode: cause.code, issues: cause.issues }) : { engineCode: cause.code };
  }
  if (cause instanceof ZodError) {
    return withFields({ issues: cause.issues.map((i) => ({ pointer: i.path.map((p) => '/' + escapeToken(String(p))).join(''), message: i.message, ...zodIssueCode(i) })) });
  }
  return {};
}

/** A zod check's failure under the code a form check's would have (engine/forms.ts issueCode), for the same words. */
export function zodIssueCode(i: ZodError['issues'][number]): Pick<FlowIssue, 'code' | 'params'> {
  const bound = (i as { minimum?: unknown; maximum?: unknown }).minimum ?? (i as { maximum?: unknown }).maximum;
  const limit = typeof bound === 'number' || typeof bound === 'bigint' ? { params: { limit: Number(bound) } } : {};
  const origin = (i as { origin?: string }).origin;
  const inclusive = (i as { inclusive?: boolean }).inclusive !== false;
  switch (i.code) {
    case 'too_small':
      if (origin === 'string') return Number(bound) <= 1 ? { code: 'required' } : { code: 'minLength', ...limit };
      if (origin === 'array' || origin === 'set') return { code: 'minItems', ...limit };
      return { code: inclusive ? 'minimum' : 'exclusiveMinimum', ...limit };
    case 'too_big':
      if (origin === 'string') return { code: 'maxLength', ...limit };
      if (origin === 'array' || origin === 'set') return { code: 'maxItems', ...limit };
      return { code: inclusive ? 'maximum' : 'exclusiveMaximum', ...limit };
    case 'invalid_type':
      if (/received undefined/.test(i.message)) return { code: 'required' };
      return { code: i.expected === 'number' || i.expected === 'int' ? 'number' : 'type' };
    case 'invalid_format':
      return { code: i.format === 'regex' ? 'pattern' : 'format' };
    case 'invalid_value':
    case 'invalid_union':
      return { code: 'choice' };
    default:
      return { code: 'invalid' };
  }
}
