import type { Decl, MapItem, Name, Stmt } from './ast.js';
import { BUILTINS } from './builtins.js';
import type { DiagnosticBag } from './diagnostics.js';
import type { Expr } from './expr/ast.js';
import { lowerMap, withDefaultNs, type MapKind } from './lower-maps.js';
import type { At, CalleeSpec, SpannedAssign, SpannedStep, TryRange } from './program.js';
import type { Span } from './span.js';

/**
 * Lowers a workflow's statements to the flat step list. Control flow becomes branch/switch/jump steps
 * with explicit targets; `try` becomes a range in the try table; labels become step indexes. The result
 * keeps source spans (for the checker) and records where each statement starts (for reachability).
 */
export interface Lowered {
  steps: SpannedStep[];
  tries: TryRange[];
  wfomap: SpannedAssign[];
  /** First step of each statement. */
  entryOf: Map<Stmt, number>;
  /** The source span of the statement each step comes from. */
  spans: Span[];
  /** Spans of the callee names of call, callflow, map and detachflow steps, in flow order. */
  calleeSpans: Map<number, Span[]>;
}

export interface LowerContext {
  callee(name: string): CalleeSpec | undefined;
  diags: DiagnosticBag;
}

export function lowerWorkflow(decl: Decl, ctx: LowerContext): Lowered {
  return new Lowerer(decl, ctx).run();
}

type Patch = (target: number) => void;

class Lowerer {
  private readonly steps: SpannedStep[] = [];
  private readonly tries: TryRange[] = [];
  private readonly entryOf = new Map<Stmt, number>();
  private readonly labels = new Map<string, number>();
  private readonly gotos: Array<{ label: Name; patch: Patch }> = [];
  private readonly returns: Patch[] = [];
  private readonly spans: Span[] = [];
  private readonly calleeSpans = new Map<number, Span[]>();
  private span: Span;

  constructor(private readonly decl: Decl, private readonly ctx: LowerContext) {
    this.span = decl.span;
  }

  run(): Lowered {
    for (const lock of this.decl.locks) {
      if (lock.manual || lock.value === null) continue;
      this.span = lock.span;
      const value: Expr = { kind: 'literal', value: lock.value, span: lock.span };
      const settings: SpannedAssign[] = [{ target: { kind: 'var', ns: 'i', name: 'value', path: [], span: lock.span }, op: '=', value, ifdef: false }];
      this.emit({ op: 'lock', mode: 'lock', lockType: lock.lockType, inherit: lock.inherit, settings, next: -1, at: at(lock.span) });
    }
    this.block(this.decl.body ?? []);
    this.span = this.decl.nameSpan;
    const end = this.emit({ op: 'end', at: at(this.decl.span) });
    for (const patch of this.returns) patch(end);
    for (const { label, patch } of this.gotos) {
      const target = this.labels.get(label.name);
      if (target === undefined) {
        const known = [...this.labels.keys()];
        this.ctx.diags.report('WF_UNKNOWN_LABEL', label.span,
          `no label '${label.name}' in workflow ${this.decl.name}${known.length ? ` (labels: ${known.join(', ')})` : ''}`);
      } else {
        patch(target);
      }
    }
    const starOut = Object.keys(outNames(this.decl));
    const wfomap = lowerMap(this.decl.wfomap, 'wfomap', starOut, this.ctx.diags);
    return { steps: this.steps, tries: this.tries, wfomap, entryOf: this.entryOf, spans: this.spans, calleeSpans: this.calleeSpans };
  }

  /** Appends a step; a sequential step's `next` is the following index. */
  private emit(step: SpannedStep): number {
    const index = this.steps.length;
    if ('next' in step) step.next = index + 1;
    this.steps.push(step);
    this.spans.push(this.span);
    return index;
  }

  private here(): number {
    return this.steps.length;
  }

  private jump(span: Span): Patch {
    const step: SpannedStep & { op: 'jump' } = { op: 'jump', target: -1, at: at(span) };
    this.emit(step);
    return (target) => {
      step.target = target;
    };
  }

  private map(items: readonly MapItem[], kind: MapKind, star: readonly string[] | undefined): SpannedAssign[] {
    return lowerMap(items, kind, star, this.ctx.diags);
  }

  private names(callee: string, side: 'in' | 'out'): string[] | undefined {
    const spec = this.ctx.callee(callee);
    return spec ? Object.keys(spec[side]) : undefined;
  }

  private expr(e: Expr): Expr {
    return withDefaultNs(e, 'v');
  }

  private block(stmts: readonly Stmt[]): void {
    for (const s of stmts) {
      this.entryOf.set(s, this.here());
      this.span = s.span;
      this.stmt(s);
    }
  }

  private stmt(s: Stmt): void {
    const where = at(s.span);
    switch (s.kind) {
      case 'call': {
        const input = this.map(s.input, 'input', this.names(s.callee.name, 'in'));
        const into = this.map(s.into ?? [], 'into', this.names(s.callee.name, 'out'));
        this.calleeSpans.set(this.emit({ op: 'call', callee: s.callee.name, input, into, next: -1, at: where }), [s.callee.span]);
        return;
      }
      case 'if': {
        const exits: Patch[] = [];
        for (const branch of s.branches) {
          const step: SpannedStep & { op: 'branch' } = { op: 'branch', cond: this.expr(branch.cond), then: this.here() + 1, else: -1, at: at(branch.span) };
          this.emit(step);
          this.block(branch.body);
          exits.push(this.jump(branch.span));
          step.else = this.here();
        }
        if (s.otherwise) this.block(s.otherwise);
        const end = this.here();
        for (const exit of exits) exit(end);
        return;
      }
      case 'while': {
        const top = this.here();
        const step: SpannedStep & { op: 'branch' } = { op: 'branch', cond: this.expr(s.cond), then: top + 1, else: -1, at: where };
        this.emit(step);
        this.block(s.body);
        this.jump(s.span)(top);
        step.else = this.here();
        return;
      }
      case 'repeat': {
        const top = this.here();
        this.block(s.body);
        this.emit({ op: 'branch', cond: this.expr(s.until), then: this.here() + 1, else: top, at: at(s.until.span) });
        return;
      }
      case 'case': {
        const step: SpannedStep & { op: 'switch' } = { op: 'switch', subject: this.expr(s.subject), cases: [], default: -1, at: where };
        this.emit(step);
        const exits: Patch[] = [];
        for (const when of s.whens) {
          step.cases.push({ labels: when.labels.map((l) => l.value), target: this.here() });
          this.block(when.body);
          exits.push(this.jump(when.span));
        }
        step.default = this.here();
        if (s.otherwise) this.block(s.otherwise);
        const end = this.here();
        for (const exit of exits) exit(end);
        return;
      }
      case 'eval':
        this.emit({ op: 'assign', items: this.map(s.items, 'eval', undefined), next: -1, at: where });
        return;
      case 'try': {
        const from = this.here();
        this.block(s.body);
        const to = this.here();
        const skip = this.jump(s.span);
        const handler = this.here();
        this.block(s.handler);
        skip(this.here());
        this.tries.push({ from, to, handler });
        return;
      }
      case 'raise_error':
        this.emit({ op: 'raise', value: this.expr(s.value), at: where });
        return;
      case 'assert':
        this.emit({ op: 'assert', cond: this.expr(s.cond), message: this.expr(s.message), next: -1, at: where });
        return;
      case 'goto':
        this.gotos.push({ label: s.label, patch: this.jump(s.span) });
        return;
      case 'label':
        if (this.labels.has(s.label.name)) {
          this.ctx.diags.report('WF_DUPLICATE_LABEL', s.label.span, `label '${s.label.name}' is defined twice`);
        } else {
          this.labels.set(s.label.name, this.here());
        }
        return;
      case 'return':
        this.returns.push(this.jump(s.span));
        return;
      case 'split': {
        const flows = s.flows.map((f) => ({
          callee: f.callee.name,
          input: this.map(f.input, 'input', this.names(f.callee.name, 'in')),
          into: this.map(f.into ?? [], 'into', this.names(f.callee.name, 'out')),
        }));
        this.calleeSpans.set(this.emit({ op: 'split', flows, next: -1, at: where }), s.flows.map((f) => f.callee.span));
        return;
      }
      case 'map':
        this.calleeSpans.set(this.here(), [s.callee.span]);
        this.emit({
          op: 'map', callee: s.callee.name, using: this.expr(s.using),
          input: this.map(s.input, 'input', this.names(s.callee.name, 'in')),
          collect: this.map(s.collect ?? [], 'collect', this.names(s.callee.name, 'out')), next: -1, at: where,
        });
        return;
      case 'detachflow':
        this.calleeSpans.set(this.here(), [s.callee.span]);
        this.emit({ op: 'detach', callee: s.callee.name, input: this.map(s.input, 'input', this.names(s.callee.name, 'in')), next: -1, at: where });
        return;
      case 'lock': {
        const decl = this.decl.locks.find((l) => l.lockType === s.lockType.name);
        const settings = this.map(s.settings, 'settings', Object.keys(BUILTINS[s.op].in));
        this.emit({ op: 'lock', mode: s.op, lockType: s.lockType.name, inherit: decl?.inherit ?? false, settings, next: -1, at: where });
        return;
      }
      case 'sleep':
        this.emit({ op: 'sleep', settings: this.map(s.settings, 'settings', ['timeout']), next: -1, at: where });
        return;
      case 'event': {
        const spec = BUILTINS[s.op];
        const settings = this.map(s.settings, 'settings', Object.keys(spec.in));
        const into = this.map(s.into ?? [], 'into', Object.keys(spec.out));
        this.emit({ op: 'event', action: s.op, settings, into, next: -1, at: where });
        return;
      }
      default: {
        const never: never = s;
        throw new Error(`unhandled statement ${String(never)}`);
      }
    }
  }
}

function at(span: Span): At {
  return [span.line, span.col];
}

function outNames(decl: Decl): Record<string, true> {
  return Object.fromEntries(decl.out.map((p) => [p.name, true as const]));
}
