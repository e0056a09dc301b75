/**
 * Splits an action's `command` (config: command = 'node scripts/add.js') into argv. The command runs
 * without a shell, so these rules are all there is:
 * - unquoted whitespace separates arguments;
 * - '...' keeps everything inside as it is, up to the next single quote;
 * - "..." keeps everything inside, except that \" stands for " and \\ for \;
 * - outside quotes, a backslash makes the next character plain (\  is a space inside an argument);
 * - quoted and plain pieces next to each other form one argument ('' alone is an empty argument);
 * - nothing is expanded: no $VAR, no ~, no *, no $(...).
 * Shell operators written plainly (| & ; < > and backquotes) are refused, since no shell would run them;
 * quote them to pass them as text, or call a shell yourself: command = "sh -c 'a | b'".
 */
export class CommandSyntaxError extends Error {}

const OPERATORS = new Set(['|', '&', ';', '<', '>', '`']);

export function splitCommand(command: string): string[] {
  const out: string[] = [];
  let current = '';
  let inWord = false;
  let i = 0;
  const fail = (why: string): never => {
    throw new CommandSyntaxError(`${why} at column ${i + 1} of the command ${JSON.stringify(command)}`);
  };
  while (i < command.length) {
    const ch = command[i] as string;
    if (/\s/.test(ch)) {
      if (inWord) out.push(current);
      current = '';
      inWord = false;
      i++;
    } else if (ch === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) fail('a single quote is not closed');
      current += command.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (ch === '"') {
      const start = i;
      i++;
      for (;;) {
        if (i >= command.length) {
          i = start;
          fail('a double quote is not closed');
        }
        const c = command[i] as string;
        if (c === '"') break;
        if (c === '\\' && (command[i + 1] === '"' || command[i + 1] === '\\')) {
          current += command[i + 1];
          i += 2;
        } else {
          current += c;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (ch === '\\') {
      if (i + 1 >= command.length) fail('a backslash ends the command');
      current += command[i + 1];
      inWord = true;
      i += 2;
    } else if (OPERATORS.has(ch) || (ch === '$' && command[i + 1] === '(')) {
      fail(`'${ch === '$' ? '$(' : ch}' would need a shell, and commands run without one (quote it to pass it as text)`);
    } else {
      current += ch;
      inWord = true;
      i++;
    }
  }
  if (inWord) out.push(current);
  if (out.length === 0) throw new CommandSyntaxError('the command is empty');
  return out;
}
