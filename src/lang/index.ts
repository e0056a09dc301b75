/**
 * The workflow language, public API (see docs/language.md).
 *
 * Glossary: a *workflow* is a program (`.wf`) compiled to a flat list of *steps*; an *action* (`.ac`) is
 * an interface that workers implement; a *run* is one execution of a workflow, whose whole state is a
 * JSON `RunState`; the *VM* is the pure `step()` function; a *driver* persists states, performs the
 * *effects* the VM asks for and answers them with *events*.
 */
export { compileSources, type CompileOptions, type CompileResult } from './compile.js';
export { fingerprint } from './fingerprint.js';
export { WF_CODES, formatDiagnostic, sortDiagnostics, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
export type { Span } from './span.js';
export type { Json, JsonObject } from './json.js';
export {
  PROGRAM_FORMAT, DEFAULT_WORKFLOW_CONFIG, DEFAULT_ACTION_CONFIG, isRequired,
  type ActionDef, type ActionConfig, type CompiledWorkflow, type CalleeSpec, type LockSpec, type ParamSpec, type Params,
  type RetryPolicy, type Step, type TryRange, type WorkflowConfig,
} from './program.js';
export { parseSeconds } from './duration.js';
export { DEFAULT_LIMITS, type ExprLimits } from './expr/values.js';
export { startRun, RUN_FORMAT, type RunState, type RunStatus, type Pending, type StartOptions } from './vm/state.js';
export { step, VmProtocolError, type StepOptions } from './vm/step.js';
export type { StepResult } from './vm/transition.js';
export type { Effect, EffectKind, Event, ReportedError } from './vm/effects.js';
export { ERROR_CLASSES, childError, runError, type ErrorClass, type RunError } from './vm/errors.js';
export { applyDefaults, checkParams } from './vm/validate.js';
export { MemoryDriver, ActionError, type ActionImpl, type ActionContext, type MemoryDriverOptions, type RunResult } from './vm/memory-driver.js';
