/**
 * Parser for the STG optimal-value files `CaseN_m_OPT.csv` (N = graph size, m = processors): one row per
 * graph, `graph,m,OPT` when the optimum is proven or `graph,m,LB,UB` when only bounds are known, e.g.
 * `50/rand0000.stg,2,131` and `100/rand0012.stg,2,296,312`. No header; the last line may lack a newline.
 * Takes file text.
 */

export interface OptimalRow {
  /** Graph path as written, e.g. "50/rand0000.stg". */
  graph: string;
  /** Number of processors. */
  m: number;
  /** Best known lower bound (= the optimum when proven). */
  lb: number;
  /** Best known makespan (= the optimum when proven). */
  ub: number;
  /** True for `graph,m,OPT` rows. */
  proven: boolean;
}

/** The file name holding the values for graphs of `size` tasks on m processors. */
export function optimalFileName(size: number, m: number): string {
  return `Case${size}_${m}_OPT.csv`;
}

/** Parses the text of a CaseN_m_OPT.csv file; `name` only labels error messages. */
export function parseOptimalCsv(text: string, name = 'optimal.csv'): OptimalRow[] {
  const rows: OptimalRow[] = [];
  const lines = text.split(/\r?\n/);
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln]!.trim();
    if (line === '') continue;
    const where = `${name}:${ln + 1}`;
    const f = line.split(',').map((x) => x.trim());
    if (f.length !== 3 && f.length !== 4) throw new Error(`${where}: expected 3 or 4 fields, found ${f.length}`);
    const nums = f.slice(1).map((x) => {
      if (!/^\d+(\.\d+)?$/.test(x)) throw new Error(`${where}: "${x}" is not a number`);
      return Number(x);
    });
    const [m, a, b] = nums as [number, number, number | undefined];
    if (!Number.isInteger(m) || m < 1) throw new Error(`${where}: bad processor count ${m}`);
    if (b !== undefined && b < a) throw new Error(`${where}: upper bound ${b} below lower bound ${a}`);
    rows.push({ graph: f[0]!, m, lb: a, ub: b ?? a, proven: b === undefined });
  }
  return rows;
}
