import type { SourceLocation } from './model.js';

/**
 * Diagnostics are collected, never thrown: a loader returns every problem of every file at once.
 * Codes are stable and documented in docs/definitions.md (a test checks that each one is).
 */
export const DIAGNOSTIC_CODES = {
  ORDO_YAML_SYNTAX: 'the file is not valid YAML',
  ORDO_BAD_TYPE: 'a value has the wrong type',
  ORDO_UNKNOWN_KEY: 'a key that the format does not define',
  ORDO_MISSING_KEY: 'a required key is missing',
  ORDO_BAD_VALUE: 'a value is out of range or not one of the allowed values',
  ORDO_DUPLICATE_FLOW: 'two files declare the same flow',
  ORDO_DUPLICATE_BATCH: 'two files declare the same batch',
  ORDO_DUPLICATE_TEMPLATE: 'two templates have the same name',
  ORDO_UNKNOWN_JOB: 'a dependency names a job that the flow does not have',
  ORDO_UNKNOWN_TEMPLATE: 'a job or template extends a template that does not exist',
  ORDO_TEMPLATE_CYCLE: 'templates extend each other in a cycle',
  ORDO_CYCLE: 'jobs depend on each other in a cycle',
  ORDO_UNKNOWN_PARAM: 'an expression names a parameter that the flow does not declare',
  ORDO_UNKNOWN_VAR: 'an expression names a variable that neither the flow nor ordo.yaml defines',
  ORDO_BAD_EXPRESSION: 'a ${{ ... }} expression that cannot be parsed',
  ORDO_SELF_DEPENDENCY: 'a job depends on itself',
  ORDO_NO_COMMAND: 'a job has neither command nor shell',
  ORDO_NOT_UPSTREAM: 'a job reads the result of a job that is not upstream of it (a warning)',
  ORDO_NO_PROJECT: 'the project directory does not exist, cannot be read, or is not a project',
  ORDO_UNKNOWN_CONNECTOR: 'a job uses a connector that ordo.yaml does not declare',
  ORDO_UNKNOWN_HOST: 'a job runs on a host that ordo.yaml does not declare',
  ORDO_NO_HOST_MATCH: 'a job\'s host selector matches no host of ordo.yaml',
  ORDO_UNKNOWN_PLAN: 'a flow is triggered by, or a plan combines, a plan that ordo.yaml does not declare',
  ORDO_UNKNOWN_CALENDAR: 'a calendar or a plan names a calendar that ordo.yaml does not declare',
  ORDO_CALENDAR_CYCLE: 'calendars combine each other (union, subtract) in a cycle',
  ORDO_PLAN_CYCLE: 'plans combine each other (union, intersect) in a cycle',
  ORDO_BAD_CRON: 'a cron expression that cannot be parsed (the message says why)',
  ORDO_BAD_ZONE: 'a time zone that is not an IANA zone name',
  ORDO_BAD_DATE: 'a date, day of the year, time of day or instant that is malformed or does not exist',
  ORDO_BAD_ICS: 'an imported .ics file is missing, unreadable or not iCalendar',
  ORDO_UNKNOWN_SECRET: 'a definition names a secret (${{ secrets.NAME }}) that the store does not have, given where the store can be read (an error for an SSH host\'s key, else a warning)',
  ORDO_UNKNOWN_WORKFLOW: 'a job of kind workflow (or a flow written as "workflow: NAME") names a workflow the project does not have',
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export interface Diagnostic {
  code: DiagnosticCode;
  message: string;
  at: SourceLocation;
  severity: 'error' | 'warning';
}

/** `file:line:column: CODE message`, the one format every tool prints. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.at.file}:${d.at.line}:${d.at.column}: ${d.code} ${d.message}`;
}
