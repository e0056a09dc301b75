import { lowerCp, type AssertKind, type CharTest, type ClassItem, type RegexProgram } from './regex.js';

/**
 * Breadth-first NFA simulation: every live thread advances one character at a time and a program
 * counter is visited at most once per input position, so the cost is bounded by
 * input length x program size. Only "does it match anywhere" is answered (no captures needed).
 */
export function regexTest(prog: RegexProgram, input: string, charge: (steps: number) => void): boolean {
  const text = Array.from(input, (c) => c.codePointAt(0) as number);
  const n = prog.insts.length;
  const seen = new Int32Array(n).fill(-1);
  let current: number[] = [];
  let generation = 0;
  const stack: number[] = [];

  // Adds the thread at `pc` and everything reachable from it without consuming input.
  const add = (list: number[], pc0: number, pos: number): boolean => {
    stack.push(pc0);
    while (stack.length > 0) {
      const pc = stack.pop() as number;
      if (seen[pc] === generation) continue;
      seen[pc] = generation;
      const inst = prog.insts[pc];
      if (!inst) continue;
      switch (inst.op) {
        case 'match':
          stack.length = 0;
          return true;
        case 'jmp':
          stack.push(inst.to);
          break;
        case 'split':
          stack.push(inst.b, inst.a);
          break;
        case 'assert':
          if (holds(inst.kind, text, pos, prog.multiline)) stack.push(pc + 1);
          break;
        case 'char':
          list.push(pc);
          break;
        default: {
          const never: never = inst;
          return never;
        }
      }
    }
    return false;
  };

  for (let pos = 0; pos <= text.length; pos++) {
    // `current` already holds this generation's threads; a new search may start at every position.
    if (add(current, 0, pos)) return true;
    if (pos === text.length) break;
    charge(current.length + 1);
    const cp = text[pos] as number;
    const next: number[] = [];
    generation++;
    for (const pc of current) {
      const inst = prog.insts[pc];
      if (inst?.op === 'char' && testChar(inst.test, cp, prog)) {
        if (add(next, pc + 1, pos + 1)) return true;
      }
    }
    current = next;
  }
  return false;
}

function isWord(cp: number | undefined): boolean {
  return cp !== undefined && ((cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) || cp === 95);
}

function holds(kind: AssertKind, text: number[], pos: number, multiline: boolean): boolean {
  switch (kind) {
    case 'bol':
      return pos === 0 || (multiline && text[pos - 1] === 10);
    case 'eol':
      return pos === text.length || (multiline && text[pos] === 10);
    case 'wordb':
      return isWord(text[pos - 1]) !== isWord(text[pos]);
    case 'nwordb':
      return isWord(text[pos - 1]) === isWord(text[pos]);
    default: {
      const never: never = kind;
      return never;
    }
  }
}

function inItem(item: ClassItem, cp: number): boolean {
  if ('lo' in item) return cp >= item.lo && cp <= item.hi;
  const ch = String.fromCodePoint(cp);
  switch (item.cls) {
    case 'd': return cp >= 48 && cp <= 57;
    case 'D': return !(cp >= 48 && cp <= 57);
    case 'w': return isWord(cp);
    case 'W': return !isWord(cp);
    case 's': return /\s/.test(ch);
    case 'S': return !/\s/.test(ch);
    default: {
      const never: never = item.cls;
      return never;
    }
  }
}

function testChar(test: CharTest, cp: number, prog: RegexProgram): boolean {
  switch (test.kind) {
    case 'lit':
      return prog.ignoreCase ? lowerCp(cp) === test.cp : cp === test.cp;
    case 'any':
      return prog.dotAll || cp !== 10;
    case 'class': {
      let hit = test.items.some((item) => inItem(item, cp));
      if (!hit && prog.ignoreCase) {
        const lower = lowerCp(cp);
        const upper = String.fromCodePoint(cp).toUpperCase().codePointAt(0) as number;
        hit = test.items.some((item) => inItem(item, lower) || inItem(item, upper));
      }
      return hit !== test.negate;
    }
    default: {
      const never: never = test;
      return never;
    }
  }
}
