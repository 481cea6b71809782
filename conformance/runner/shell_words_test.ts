import assert from "node:assert/strict";
import { shellWords } from "./shell_words.ts";

Deno.test("shellWords() splits on whitespace and keeps quoted text together", () => {
  assert.deepEqual(shellWords("  python3   adapter.py  "), ["python3", "adapter.py"]);
  assert.deepEqual(shellWords(`a 'b c' "d e" f\\ g`), ["a", "b c", "d e", "f g"]);
  assert.deepEqual(shellWords(`'' ""`), ["", ""]);
  assert.deepEqual(shellWords(`x'y'"z"`), ["xyz"]);
});

Deno.test("shellWords() keeps single quotes literal and honours the POSIX escapes in double quotes", () => {
  assert.deepEqual(shellWords(`'a\\"b'`), ['a\\"b']);
  assert.deepEqual(shellWords(`"a\\"b\\\\c\\nd"`), ['a"b\\c\\nd']);
});

Deno.test("shellWords() refuses an unterminated quote or a trailing backslash", () => {
  assert.throws(() => shellWords(`a 'b`), SyntaxError);
  assert.throws(() => shellWords(`a "b`), SyntaxError);
  assert.throws(() => shellWords(`a \\`), SyntaxError);
});
