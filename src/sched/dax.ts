/**
 * Parser for Pegasus DAX 2.1 XML workflows: `<job id=".." runtime="..">` elements (runtime in seconds)
 * and dependencies written as `<child ref="c"><parent ref="p"/>...</child>`. A small tag tokenizer,
 * enough for these machine-written files: comments, processing instructions and CDATA are skipped,
 * attributes may use single or double quotes, and the five predefined XML entities plus numeric
 * character references are decoded. Elements other than job, child and parent are ignored.
 * Takes file text.
 */
import { buildTaskGraph, type TaskGraph } from './graph.js';

export interface DaxWorkflow {
  /** The `name` attribute of `<adag>`, if any. */
  name: string;
  /** The `version` attribute of `<adag>`, if any. */
  version: string;
  /** The `jobCount` attribute of `<adag>`, if any (not trusted: jobs are counted). */
  declaredJobs?: number;
  graph: TaskGraph;
}

interface Tag {
  name: string;
  attrs: Map<string, string>;
  close: boolean;
  selfClose: boolean;
  line: number;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(v: string, line: number): string {
  return v.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (all, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    const r = ENTITIES[e];
    if (r === undefined) throw new Error(`DAX line ${line}: unknown entity ${all}`);
    return r;
  });
}

/** Yields the tags of an XML text, in order. */
function* tags(text: string): Generator<Tag> {
  let i = 0;
  let line = 1;
  const advance = (to: number) => {
    for (let k = i; k < to; k++) if (text.charCodeAt(k) === 10) line++;
    i = to;
  };
  const skipTo = (end: string, what: string) => {
    const j = text.indexOf(end, i);
    if (j < 0) throw new Error(`DAX line ${line}: unterminated ${what}`);
    advance(j + end.length);
  };
  const attrRe = /([A-Za-z_:][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;
  for (;;) {
    const lt = text.indexOf('<', i);
    if (lt < 0) return;
    advance(lt);
    if (text.startsWith('<!--', i)) skipTo('-->', 'comment');
    else if (text.startsWith('<![CDATA[', i)) skipTo(']]>', 'CDATA section');
    else if (text.startsWith('<?', i)) skipTo('?>', 'processing instruction');
    else if (text.startsWith('<!', i)) skipTo('>', 'declaration');
    else {
      const m = /^<(\/?)([A-Za-z_:][\w:.-]*)/.exec(text.slice(i, i + 256));
      if (!m) throw new Error(`DAX line ${line}: malformed tag`);
      const tag: Tag = { name: m[2]!, attrs: new Map(), close: m[1] === '/', selfClose: false, line };
      let j = i + m[0].length;
      for (;;) {
        while (j < text.length && /\s/.test(text[j]!)) j++;
        if (text.startsWith('/>', j)) {
          tag.selfClose = true;
          j += 2;
          break;
        }
        if (text[j] === '>') {
          j++;
          break;
        }
        attrRe.lastIndex = j;
        const a = attrRe.exec(text);
        if (!a || tag.close) throw new Error(`DAX line ${line}: malformed attributes in <${tag.name}>`);
        const key = a[1]!;
        if (tag.attrs.has(key)) throw new Error(`DAX line ${line}: duplicate attribute ${key} in <${tag.name}>`);
        tag.attrs.set(key, decode(a[2] ?? a[3] ?? '', line));
        j = attrRe.lastIndex;
      }
      advance(j);
      yield tag;
    }
  }
}

/** Local name of a possibly prefixed element name. */
function local(name: string): string {
  const k = name.indexOf(':');
  return k < 0 ? name : name.slice(k + 1);
}

/** Parses DAX 2.1 XML text into a task graph with runtimes in seconds. */
export function parseDax(text: string): DaxWorkflow {
  const names: string[] = [];
  const durations: number[] = [];
  const index = new Map<string, number>();
  const edges: [string, string, number][] = []; // child, parent, line
  let child: string | undefined;
  let name = '';
  let version = '';
  let declaredJobs: number | undefined;
  let sawRoot = false;
  for (const tag of tags(text)) {
    const el = local(tag.name);
    if (tag.close) {
      if (el === 'child') child = undefined;
      continue;
    }
    switch (el) {
      case 'adag': {
        sawRoot = true;
        name = tag.attrs.get('name') ?? '';
        version = tag.attrs.get('version') ?? '';
        const jc = tag.attrs.get('jobCount');
        if (jc !== undefined && /^\d+$/.test(jc)) declaredJobs = Number(jc);
        break;
      }
      case 'job': {
        const id = tag.attrs.get('id');
        if (!id) throw new Error(`DAX line ${tag.line}: <job> without id`);
        const rt = tag.attrs.get('runtime');
        const d = rt === undefined ? NaN : Number(rt);
        if (rt === undefined || rt.trim() === '' || !Number.isFinite(d) || d < 0) {
          throw new Error(`DAX line ${tag.line}: job "${id}" has no valid runtime`);
        }
        if (index.has(id)) throw new Error(`DAX line ${tag.line}: duplicate job id "${id}"`);
        index.set(id, names.length);
        names.push(id);
        durations.push(d);
        break;
      }
      case 'child': {
        const ref = tag.attrs.get('ref');
        if (!ref) throw new Error(`DAX line ${tag.line}: <child> without ref`);
        child = tag.selfClose ? undefined : ref;
        break;
      }
      case 'parent': {
        const ref = tag.attrs.get('ref');
        if (!ref) throw new Error(`DAX line ${tag.line}: <parent> without ref`);
        if (child === undefined) throw new Error(`DAX line ${tag.line}: <parent> outside <child>`);
        edges.push([child, ref, tag.line]);
        break;
      }
      default:
        break;
    }
  }
  if (!sawRoot) throw new Error('DAX: no <adag> element');
  const preds: string[][] = names.map(() => []);
  for (const [c, p, line] of edges) {
    const ci = index.get(c);
    if (ci === undefined) throw new Error(`DAX line ${line}: <child ref="${c}"> names no job`);
    if (!index.has(p)) throw new Error(`DAX line ${line}: <parent ref="${p}"> names no job`);
    preds[ci]!.push(p);
  }
  const out: DaxWorkflow = { name, version, graph: buildTaskGraph(names, durations, preds) };
  if (declaredJobs !== undefined) out.declaredJobs = declaredJobs;
  return out;
}
