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
  ORDO_DUPLICATE_TEMPLATE: 'two templates have the same name',
  ORDO_UNKNOWN_JOB: 'a dependency names a job that the flow does not have',
  ORDO_UNKNOWN_TEMPLATE: 'a job or template extends a template that does not exist',
  ORDO_TEMPLATE_CYCLE: 'templates extend each other in a cycle',
  ORDO_CYCLE: 'jobs depend on each other in a cycle',
  ORDO_UNKNOWN_PARAM: 'an expression names a parameter that the flow does not declare',
  ORDO_BAD_EXPRESSION: 'a ${{ ... }} expression that cannot be parsed',
  ORDO_SELF_DEPENDENCY: 'a job depends on itself',
  ORDO_NO_COMMAND: 'a job has neither command nor shell',
  ORDO_NOT_UPSTREAM: 'a job reads the result of a job that is not upstream of it (a warning)',
  ORDO_NO_PROJECT: 'the project directory does not exist or cannot be read',
  ORDO_UNKNOWN_CONNECTOR: 'a job uses a connector that ordo.yaml does not declare',
  ORDO_UNKNOWN_PLAN: 'a flow is triggered by a plan that ordo.yaml does not declare',
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
