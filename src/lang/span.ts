/**
 * Source positions. Lines and columns are 1-based; a column counts characters (a tab is one column),
 * which is what editors jump to. `endCol` is exclusive.
 */
export interface Span {
  file: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

export function spanFrom(start: Span, end: Span): Span {
  return { file: start.file, line: start.line, col: start.col, endLine: end.endLine, endCol: end.endCol };
}
