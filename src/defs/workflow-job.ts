/**
 * A job of kind `workflow` (docs/workflows.md): `workflow: NAME` and an optional `input:` mapping whose
 * strings may hold `${{ ... }}` expressions (checked against the flow like any job string). The input is
 * kept as plain data; the workflow executor expands it when the job runs.
 */
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { JobKind, SourceLocation } from './model.js';
import { entries, type Entry, type Reader } from './yaml.js';

type Text = (node: Node | null, reader: Reader, label: string) => string | undefined;

interface Attr {
  entry: Entry;
  reader: Reader;
}

export function compileWorkflowCall(kind: JobKind, what: string, at: SourceLocation, self: Reader, workflowAttr: Attr | undefined, inputAttr: Attr | undefined, text: Text): { workflow?: string; input?: Record<string, unknown> } {
  if (kind !== 'workflow') {
    for (const a of [workflowAttr, inputAttr]) {
      if (a) a.reader.diags.error('ORDO_BAD_VALUE', `"${a.entry.key}" is only for jobs of kind workflow (${what} is of kind ${kind})`, a.reader.at(a.entry.keyNode));
    }
    return {};
  }
  if (!workflowAttr) {
    self.diags.error('ORDO_MISSING_KEY', `${what} is of kind workflow and needs "workflow": the name of the workflow it runs`, at);
    return {};
  }
  const workflow = workflowAttr.reader.string(workflowAttr.entry.value, `"workflow" of ${what}`);
  if (!inputAttr) return { workflow, input: {} };
  const map = inputAttr.reader.map(inputAttr.entry.value, `"input" of ${what}`);
  if (!map) return { workflow };
  const value = (node: Node | null, label: string): unknown => {
    if (isMap(node)) return Object.fromEntries(entries(node).map((e) => [e.key, value(e.value, `${label}.${e.key}`)]));
    if (isSeq(node)) return (node.items as Node[]).map((n, i) => value(n, `${label}[${i}]`));
    if (isScalar(node) && typeof node.value === 'string') return text(node, inputAttr.reader, `input ${label} of ${what}`);
    return isScalar(node) ? node.value : null;
  };
  const input: Record<string, unknown> = {};
  for (const e of entries(map)) input[e.key] = value(e.value, e.key);
  return { workflow, input };
}
