#!/usr/bin/env python3
"""Fails when a C++ function in src/ is longer than 100 lines (issue 17: a function should fit
on a screen; split long ones into named steps).

A brace scanner, not a compiler: it blanks comments, string and character literals (raw strings
too) and preprocessor lines, then walks the braces. A `{` at namespace or class scope opens a
function body when the text before it (since the last `;`, `{` or `}`) has a `(` and no `=`
outside parentheses; namespace, class, struct, union, enum and extern blocks are scopes it walks
into; anything else (an initializer) is skipped. A function's length counts from the first line
of its declaration to its closing brace. Lambdas count toward the function that holds them.

Usage: check_function_length.py [--max N] [--list] [PATH ...]   (default: src)
"""
import argparse
import os
import re
import sys

MAX_LINES = 100
SOURCE_SUFFIXES = ('.cc', '.cpp', '.h', '.hpp', '.inc')


def blank_non_code(text):
    """Returns text with comments, literals and preprocessor lines replaced by spaces (newlines kept,
    so line numbers hold)."""
    out = list(text)
    i, n = 0, len(text)
    at_line_start = True

    def blank(a, b):
        for k in range(a, b):
            if out[k] != '\n':
                out[k] = ' '

    while i < n:
        c = text[i]
        if c == '\n':
            at_line_start = True
            i += 1
            continue
        if c in ' \t\r':
            i += 1
            continue
        if at_line_start and c == '#':  # preprocessor line, with backslash continuations
            j = i
            while j < n and text[j] != '\n':
                if text[j] == '\\' and j + 1 < n and text[j + 1] == '\n':
                    j += 2
                    continue
                if text.startswith('//', j):
                    j = text.find('\n', j)
                    j = n if j < 0 else j
                    break
                if text.startswith('/*', j):
                    e = text.find('*/', j + 2)
                    j = n if e < 0 else e + 2
                    continue
                j += 1
            blank(i, j)
            i = j
            continue
        at_line_start = False
        if text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            blank(i, j)
            i = j
        elif c == 'R' and i + 1 < n and text[i + 1] == '"' and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == '_') or text[i - 1] in 'uUL8'):
            open_paren = text.find('(', i + 2)
            delim = text[i + 2:open_paren]
            close = text.find(')' + delim + '"', open_paren)
            j = n if close < 0 else close + len(delim) + 2
            blank(i, j)
            i = j
        elif c == '"' or (c == "'" and not (i > 0 and text[i - 1].isalnum())):  # ' after a digit: 1'000
            j = i + 1
            while j < n and text[j] != c and text[j] != '\n':
                j += 2 if text[j] == '\\' else 1
            j = min(j + 1, n)
            blank(i, j)
            i = j
        else:
            i += 1
    return ''.join(out)


TEMPLATE_PREFIX = re.compile(r'^\s*template\s*<')
SCOPE_KEYWORD = re.compile(r'\b(namespace|class|struct|union|enum)\b')
OPERATOR = re.compile(r'\boperator\s*(\(\)|[^\s(]+)')


def strip_template_prefix(header):
    while TEMPLATE_PREFIX.match(header):
        start = header.index('<')
        depth = 0
        for k in range(start, len(header)):
            if header[k] == '<':
                depth += 1
            elif header[k] == '>':
                depth -= 1
                if depth == 0:
                    header = header[k + 1:]
                    break
        else:
            return header
    return header


def classify(header):
    """'function', 'scope' or 'other' for the text before a `{` at namespace/class scope."""
    h = OPERATOR.sub('operator_', strip_template_prefix(header))
    depth = 0
    has_paren = False
    top = []  # the text outside parentheses
    for ch in h:
        if ch == '(':
            depth += 1
            has_paren = True
        elif ch == ')':
            depth -= 1
        elif depth == 0:
            top.append(ch)
    top = ''.join(top)
    if '=' in top:
        return 'other'
    first_paren = h.find('(')
    before_paren = h if first_paren < 0 else h[:first_paren]
    if SCOPE_KEYWORD.search(before_paren) or (not has_paren and re.search(r'\bextern\b', h)):
        return 'scope'
    return 'function' if has_paren else 'other'


def functions(text):
    """Yields (name, first_line, last_line) for each function body in C++ source `text`."""
    code = blank_non_code(text)
    line_of = []
    line = 1
    for ch in code:
        line_of.append(line)
        if ch == '\n':
            line += 1
    stack = []  # 'scope' entries while walking namespaces and classes
    header_start = 0
    i, n = 0, len(code)
    while i < n:
        ch = code[i]
        if ch in ';':
            header_start = i + 1
        elif ch == '}':
            if not stack:
                raise ValueError('line %d: unbalanced }' % line_of[i])
            stack.pop()
            header_start = i + 1
        elif ch == '{':
            header = code[header_start:i]
            kind = classify(header)
            if kind == 'scope':
                stack.append('scope')
                header_start = i + 1
            else:
                end = matching_brace(code, i)
                if end < 0:
                    raise ValueError('line %d: unbalanced {' % line_of[i])
                rest = code[end + 1:].lstrip()
                if kind == 'function' and rest[:1] in (',', '{'):
                    # A brace initializer in a constructor's member list: the body follows.
                    i = end + 1
                    continue
                if kind == 'function':
                    first = header_start + (len(header) - len(header.lstrip()))
                    yield function_name(header), line_of[first], line_of[end]
                i = end + 1
                header_start = i
                continue
        i += 1
    if stack:
        raise ValueError('unbalanced { at end of file')


def matching_brace(code, i):
    depth = 0
    for k in range(i, len(code)):
        if code[k] == '{':
            depth += 1
        elif code[k] == '}':
            depth -= 1
            if depth == 0:
                return k
    return -1


def function_name(header):
    h = strip_template_prefix(header)
    op = re.search(r'[~\w:]*operator\s*(\(\)|[^\s(]+)', h)
    if op:
        return op.group(0)
    paren = h.find('(')
    m = re.search(r'([~\w:]+(?:operator\S*)?)\s*$', h[:paren] if paren >= 0 else h)
    return m.group(1) if m else h.strip().split('\n')[0][:60]


def source_files(paths):
    for p in paths:
        if os.path.isfile(p):
            yield p
            continue
        for root, dirs, files in os.walk(p):
            dirs.sort()
            for f in sorted(files):
                if f.endswith(SOURCE_SUFFIXES):
                    yield os.path.join(root, f)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('paths', nargs='*', default=['src'])
    ap.add_argument('--max', type=int, default=MAX_LINES, help='longest allowed function, in lines')
    ap.add_argument('--list', action='store_true', help='print every function with its length')
    args = ap.parse_args(argv)
    too_long = []
    count = 0
    for path in source_files(args.paths):
        with open(path, encoding='utf-8') as f:
            text = f.read()
        try:
            found = list(functions(text))
        except ValueError as e:
            print('%s: cannot scan: %s' % (path, e), file=sys.stderr)
            return 2
        for name, first, last in found:
            count += 1
            length = last - first + 1
            if args.list:
                print('%5d %s:%d %s' % (length, path, first, name))
            if length > args.max:
                too_long.append('%s:%d: %s is %d lines (limit %d): split it into named steps'
                                % (path, first, name, length, args.max))
    for t in too_long:
        print(t, file=sys.stderr)
    if too_long:
        return 1
    print('check_function_length: %d functions, none over %d lines' % (count, args.max))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
