/**
 * Splits SQL into statements at top-level semicolons, for files that run outside a transaction:
 * Postgres runs a multi-statement query string as one implicit transaction, where CREATE INDEX
 * CONCURRENTLY and friends are refused, so those files are sent one statement at a time.
 * Understands '…' (with '' and E'\'' escapes), "…", $tag$…$tag$, -- comments, nested block
 * comments, and SQL-standard function bodies (BEGIN ATOMIC … END, with CASE … END inside), as
 * psql does.
 */

export interface Statement {
  text: string;
  /** Offset of the statement in the file, to turn a Postgres error position into a line. */
  offset: number;
}

export function splitStatements(sql: string): Statement[] {
  const statements: Statement[] = [];
  let start = 0;
  let i = 0;
  /** Inside BEGIN ATOMIC: how many END are still to come (CASE opens one more). */
  let atomicDepth = 0;
  let previousWord = '';
  const push = (end: number) => {
    const raw = sql.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    if (stripComments(raw).trim()) statements.push({ text: raw.trim(), offset: start + lead });
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i);
    } else if (c === "'") {
      const escapes = i > 0 && /[eE]/.test(sql[i - 1]!) && !/[\w$]/.test(sql[i - 2] ?? ' ');
      i = skipQuoted(sql, i, "'", escapes);
    } else if (c === '"') {
      i = skipQuoted(sql, i, '"', false);
    } else if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      // A `$1` parameter or a `$` inside an identifier is not a dollar quote.
      if (tag && !/[\w$]/.test(sql[i - 1] ?? ' ')) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close < 0 ? sql.length : close + tag[0].length;
      } else {
        i++;
      }
    } else if (/[A-Za-z_]/.test(c) && !/[\w$]/.test(sql[i - 1] ?? ' ')) {
      const word = /^[A-Za-z_][\w$]*/.exec(sql.slice(i, i + 64))![0].toUpperCase();
      if (word === 'ATOMIC' && previousWord === 'BEGIN') atomicDepth++;
      else if (atomicDepth > 0 && word === 'CASE') atomicDepth++;
      else if (atomicDepth > 0 && word === 'END') atomicDepth--;
      previousWord = word;
      i += word.length;
    } else if (c === ';') {
      if (atomicDepth === 0) {
        push(i);
        start = i + 1;
      }
      i++;
    } else {
      i++;
    }
  }
  push(sql.length);
  return statements;
}

/**
 * Top-level statements that end or start a transaction. In a transactional file they would end
 * berth's own transaction (and its atomicity) halfway, so such a file is refused before it runs.
 * ROLLBACK TO SAVEPOINT, SAVEPOINT and RELEASE stay inside the transaction and are allowed.
 */
export function transactionControl(sql: string): Statement[] {
  return splitStatements(sql)
    .map(withoutLeadingComments)
    .filter((statement) => {
      const words = statement.text.toUpperCase().split(/\s+/);
      const [first, second] = words;
      switch (first) {
        case 'BEGIN':
        case 'COMMIT':
        case 'END':
        case 'ABORT':
          return true;
        case 'START':
          return second === 'TRANSACTION';
        case 'ROLLBACK':
          return second !== 'TO' && !(second === 'WORK' || second === 'TRANSACTION' ? words[2] === 'TO' : false);
        case 'PREPARE':
          return second === 'TRANSACTION';
        default:
          return false;
      }
    });
}

function skipQuoted(sql: string, i: number, quote: string, backslashEscapes: boolean): number {
  let j = i + 1;
  while (j < sql.length) {
    const c = sql[j]!;
    if (backslashEscapes && c === '\\') j += 2;
    else if (c === quote && sql[j + 1] === quote) j += 2;
    else if (c === quote) return j + 1;
    else j++;
  }
  return sql.length;
}

function skipBlockComment(sql: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < sql.length) {
    if (sql[j] === '/' && sql[j + 1] === '*') {
      depth++;
      j += 2;
    } else if (sql[j] === '*' && sql[j + 1] === '/') {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else {
      j++;
    }
  }
  return sql.length;
}

/** The statement from its first keyword on (offset moved along), for messages and matching. */
function withoutLeadingComments(statement: Statement): Statement {
  const lead = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/.exec(statement.text)![0].length;
  return { text: statement.text.slice(lead), offset: statement.offset + lead };
}

function stripComments(text: string): string {
  return text.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
}

/** 1-based line of a character offset. */
export function lineAt(sql: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < sql.length; i++) if (sql[i] === '\n') line++;
  return line;
}
