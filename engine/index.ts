// The engine's public API. Pure: no I/O, no clock, no randomness; runs in Node and the browser.
export type * from './types.ts';
export { EngineError, FlowInvalidError, type EngineErrorCode } from './errors.ts';
export { validateFlow } from './validate.ts';
export { compileFlow, type CompiledFlow, type CompiledState, type CompiledTransition } from './compile.ts';
export { start, apply, staleCalendarYears, type StepResult, type StepOptions } from './transition.ts';
export { simulate, replay, verify, verifyPersonal, eventOf, SimulationError, type VerifyResult, type VerifyOptions, type ReplayOptions, type FlowVersions, type PersonalVerdict } from './history.ts';
export { isCommitment, commitmentOf, personalFields, placesOf, replaceAt, PERSONAL_KINDS, type PersonalKind, type PersonalValue, type PersonalField, type Commitment } from './personal.ts';
export {
  RECALENDAR, WorkCalendar, CalendarInputError, CalendarRefusedError, calendarVersion, versionIntact, checkCalendarYear, provisionalYear, statutoryHolidays, fromHolidayCn,
  baselineVersions, baselineCalendar, makeWorkCalendar, legacyCalendar, replayCalendar, calendarLookup,
  type CalendarYear, type CalendarVersion, type CalendarVersions, type CalendarProblem, type CalendarProblemCode, type CalendarSource, type StatutoryHoliday, type WorkdayShift,
} from './calendar.ts';
export { planMigration, migrate, migrationEvent, MIGRATE, MIGRATE_ROLE, type MigrationPlan, type MigrationProblem, type MigrationProblemCode, type MigrationRequest, type FlowRef } from './migrate.ts';
export { hashJson, canonicalJson, setSha256, type Sha256Hex } from './hash.ts';
export { sameJson } from './json.ts';
export { localizeSchema } from './localize.ts';
export { initialFormData } from './prefill.ts';
export { addPeriod, isWorkingDay, durationProblem, chinaDate } from './time.ts';
export { checkRule, decide, countProblems, rosterProblems } from './votes.ts';
export { openSteps, type OpenStep } from './steps.ts';
export { readerRoles, stepHolders } from './readers.ts';
export { legalChecks, atLeastAsStrict, ruleWords, type LegalIssue, type LegalLevel, type LegalRule } from './legal.ts';
export { diffFlows, isEmptyDiff, type FlowDiff, type TransitionKey, type TransitionEntry, type TransitionChange, type StateChange, type FormChange, type FormFieldChange, type TopChange } from './flowDiff.ts';
export { EVENT_NAME, timerId, transitionKey, transitionList, transitionsOf, type TransitionRef, type TransitionParts, type FlowTransition } from './transitions.ts';
export { parsePointer, escapeToken, getAt } from './pointer.ts';
export { guardProblem } from './expressions.ts';
export { interpret } from './schemaInterpreter.ts';
export { issueCode, fieldErrorsOf, type FieldErrors } from './forms.ts';
export { labelAt, schemaAt, subschemaAt, titleOf, optionTitles, enumTitle, holdsUserId } from './labels.ts';
export { BUILT_IN_ROLES, BODY_WORDS, PLATFORM_ROLES, ROLE_KEY, ROLE_KEY_MAX, ROLE_LABEL_MAX, type PlatformRole, type Role, type RoleDefinition, type RoleGrant, type RoleLabel, type RoleScope } from './roles.ts';
export { csvCellText, csvFile } from './csv.ts';
