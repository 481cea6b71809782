/**
 * Splitting an `--impl "<command>"` string into program and arguments the way a POSIX shell
 * would for simple quoting: whitespace separates words; single quotes keep everything literal;
 * double quotes keep whitespace and allow `\"`, `\\`, `\$` and `` \` ``; a backslash outside
 * quotes escapes the next character. No variables, globs, pipes or redirections: the command is
 * run directly, never through a shell.
 *
 * @module
 */

/** Characters a backslash escapes inside double quotes (POSIX). */
const DOUBLE_QUOTE_ESCAPES = new Set(['"', "\\", "$", "`"]);

/**
 * Split a command line into words.
 *
 * @param line the command, e.g. `python3 "my adapter.py" --flag`
 * @returns the words
 * @throws {SyntaxError} on an unterminated quote or a trailing backslash
 * @example
 * ```ts
 * import { shellWords } from "./shell_words.ts";
 * const w = shellWords(`deno run -A 'a b.ts' --name "x \\"y\\""`);
 * if (JSON.stringify(w) !== JSON.stringify(["deno", "run", "-A", "a b.ts", "--name", 'x "y"'])) throw new Error(String(w));
 * ```
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new SyntaxError(`Cannot split command: unterminated ' at offset ${i}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === "\\" && DOUBLE_QUOTE_ESCAPES.has(line[j + 1])) j++;
        word += line[j];
      }
      if (j >= line.length) throw new SyntaxError(`Cannot split command: unterminated " at offset ${i}`);
      inWord = true;
      i = j;
    } else if (c === "\\") {
      if (i + 1 >= line.length) throw new SyntaxError("Cannot split command: trailing backslash");
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
