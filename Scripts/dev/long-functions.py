#!/usr/bin/env python3
"""List the functions longer than a limit in Swift (and C) sources.

Usage: long-functions.py [--max N] [PATH ...]      (default: --max 120, PATH Sources)

A function runs from the line of its declaration (`func`, `init`, `deinit`, `subscript`, a
computed `var`; in C a definition `name(...) {` at file level) to the line of its matching
closing brace, both counted. Strings (with interpolations, multi-line and raw forms) and
comments are skipped, so braces inside them do not count. Nested functions are measured on
their own as well as inside the function around them. Files reached through a link are read once.
Prints `path:line name length` for each one longer than --max, longest first; exits 0.
"""
import argparse
import os
import re
import sys

DECL_KEYWORDS = {"func", "init", "deinit", "subscript", "var"}
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Lexer:
    """Yields (kind, text, line) for code outside strings and comments: identifiers
    ('id'), punctuation ('p') and newlines ('nl')."""

    def __init__(self, text, swift):
        self.s, self.i, self.line, self.swift = text, 0, 1, swift

    def tokens(self):
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c == "\n":
                yield ("nl", c, self.line)
                self.line += 1
                self.i += 1
            elif c in " \t\r":
                self.i += 1
            elif s.startswith("//", self.i):
                end = s.find("\n", self.i)
                self.i = len(s) if end < 0 else end
            elif s.startswith("/*", self.i):
                self.skip_block_comment()
            elif c == '"' or (self.swift and c == "#" and self.raw_string_ahead()):
                self.skip_string()
            elif c == "'" and not self.swift:
                self.skip_char_literal()
            elif c.isalpha() or c == "_":
                m = IDENT.match(s, self.i)
                yield ("id", m.group(0), self.line)
                self.i = m.end()
            else:
                yield ("p", c, self.line)
                self.i += 1

    def skip_block_comment(self):
        depth = 0
        s = self.s
        while self.i < len(s):
            if s.startswith("/*", self.i):
                depth += 1
                self.i += 2
            elif s.startswith("*/", self.i):
                depth -= 1
                self.i += 2
                if depth == 0 or not self.swift:
                    return
            else:
                if s[self.i] == "\n":
                    self.line += 1
                self.i += 1

    def raw_string_ahead(self):
        j = self.i
        while j < len(self.s) and self.s[j] == "#":
            j += 1
        return j < len(self.s) and self.s[j] == '"'

    def skip_char_literal(self):
        self.i += 1
        while self.i < len(self.s) and self.s[self.i] not in "'\n":
            self.i += 2 if self.s[self.i] == "\\" else 1
        self.i += 1

    def skip_string(self):
        """Skips a Swift string literal: "…", \"\"\"…\"\"\", #"…"#, with \\( … ) interpolations."""
        s = self.s
        hashes = 0
        while s[self.i] == "#":
            hashes += 1
            self.i += 1
        multi = s.startswith('"""', self.i)
        self.i += 3 if multi else 1
        close = ('"""' if multi else '"') + "#" * hashes
        escape = "\\" + "#" * hashes
        while self.i < len(s):
            if s.startswith(escape, self.i):
                self.i += len(escape)
                if self.i < len(s) and s[self.i] == "(":
                    self.skip_interpolation()
                elif self.i < len(s):
                    if s[self.i] == "\n":
                        self.line += 1
                    self.i += 1
            elif s.startswith(close, self.i):
                self.i += len(close)
                return
            elif s[self.i] == "\n":
                if not multi:  # an unterminated one-line string: stop at the line's end
                    return
                self.line += 1
                self.i += 1
            else:
                self.i += 1

    def skip_interpolation(self):
        """From the `(` of an interpolation to its matching `)`, strings inside included."""
        depth = 0
        for kind, text, _ in self.tokens():
            if kind != "p":
                continue
            if text == "(":
                depth += 1
            elif text == ")":
                depth -= 1
                if depth == 0:
                    return


def swift_functions(tokens):
    """(line, name, length) of every function-like body in Swift tokens."""
    found = []
    stack = []        # open braces: the declaration they start, or None
    pending = None    # (line, name, paren depth, is_var) of a declaration awaiting its `{`
    paren = 0
    previous = None
    for index, (kind, text, line) in enumerate(tokens):
        if kind == "id" and text in DECL_KEYWORDS and previous != ".":
            name = text
            if text in ("func", "var"):
                following = next((t for t in tokens[index + 1:] if t[0] != "nl"), None)
                if following and following[0] == "id":
                    name = following[1]
                elif following and following[1] in "+-*/%<>=!&|^~.?":
                    name = "operator"
            pending = (line, name, paren, text == "var")
        elif kind == "p":
            if text in "([":
                paren += 1
            elif text in ")]":
                paren -= 1
            elif text == "{":
                if pending and pending[2] == paren:
                    stack.append(pending)
                    pending = None
                else:
                    stack.append(None)
            elif text == "}":
                opened = stack.pop() if stack else None
                if opened:
                    found.append((opened[0], opened[1], line - opened[0] + 1))
                if pending and pending[2] == paren:  # a body-less declaration (protocol) ends here
                    pending = None
            elif text in ";" or (text == "=" and pending and pending[3] and pending[2] == paren):
                pending = None
        elif kind == "nl" and pending and pending[3] and paren == pending[2]:
            # `var x: T` ends at its line unless the body's brace follows on it.
            pending = None
        if kind != "nl":
            previous = text
    return found


def c_functions(tokens):
    """(line, name, length) of each C function definition at file level."""
    found = []
    depth = paren = 0
    last_called = None
    previous = None
    start = None
    significant = [t for t in tokens if t[0] != "nl"]
    for index, (kind, text, line) in enumerate(significant):
        if kind == "p" and text == "(":
            if depth == 0 and paren == 0 and previous and previous[0] == "id":
                last_called = previous
            paren += 1
        elif kind == "p" and text == ")":
            paren -= 1
        elif kind == "p" and text == "{":
            if depth == 0 and previous and previous[1] == ")" and last_called:
                start = last_called
            depth += 1
        elif kind == "p" and text == "}":
            depth -= 1
            if depth == 0 and start:
                found.append((start[2], start[1], line - start[2] + 1))
                start = None
        previous = (kind, text, line)
    return found


def functions(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    swift = path.endswith(".swift")
    tokens = list(Lexer(text, swift).tokens())
    return swift_functions(tokens) if swift else c_functions(tokens)


def source_files(paths):
    """The files given and the Swift and C files under the folders given; a file reached again
    through a link (the CPU kernel variants share theirs) is listed once."""
    seen = set()
    candidates = []
    for path in paths:
        if os.path.isfile(path):
            candidates.append(path)
            continue
        for root, dirs, files in os.walk(path):
            dirs.sort()
            candidates += [os.path.join(root, name) for name in sorted(files) if name.endswith((".swift", ".c"))]
    # Real files first, so that a linked copy is the one left out.
    for path in sorted(candidates, key=os.path.islink):
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            yield path


def main():
    parser = argparse.ArgumentParser(description="List functions longer than a limit (Swift and C); exit 1 when there is one.")
    parser.add_argument("--max", type=int, default=120, help="longest allowed, in lines (default 120)")
    parser.add_argument("paths", nargs="*", default=["Sources"], help="files or folders (default: Sources)")
    args = parser.parse_args()
    rows = []
    for path in source_files(args.paths):
        for line, name, length in functions(path):
            if length > args.max:
                rows.append((length, path, line, name))
    for length, path, line, name in sorted(rows, key=lambda r: (-r[0], r[1], r[2])):
        print(f"{path}:{line} {name} {length}")
    return 1 if rows else 0


if __name__ == "__main__":
    sys.exit(main())
