#!/usr/bin/env python3
"""Type-reference cycles between the folders of a Swift target (issue 22's layering check).

Usage: Scripts/dev/folder-cycles.py [Sources/SuanliCore]

Each folder directly below the target is a node; folder A depends on folder B when a file in A
names a type (struct, enum, class, protocol, actor, typealias) declared in B. Extensions count
as references to the extended type. Comments and string literals are skipped. Prints each edge
with one example, then the cycles (strongly connected components with more than one folder),
and exits 1 when there is a cycle.
"""
import os
import re
import sys
from collections import defaultdict

# Top-level declarations only (nested types such as CodingKeys or Key repeat across folders).
DECL = re.compile(r'^(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|internal|package|fileprivate|private|final|indirect)\s+)*'
                  r'(?:struct|enum|class|protocol|actor|typealias)\s+([A-Z][A-Za-z0-9_]*)', re.M)
IDENT = re.compile(r'\b([A-Z][A-Za-z0-9_]*)\b')


def strip(text):
    """Source text without comments and string literals (good enough for references)."""
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'"""(.*?)"""', '""', text, flags=re.S)
    out = []
    for line in text.split('\n'):
        line = re.sub(r'"(?:\\.|[^"\\])*"', '""', line)
        out.append(line.split('//')[0])
    return '\n'.join(out)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else 'Sources/SuanliCore'
    files = defaultdict(list)
    for folder, _, names in os.walk(root):
        rel = os.path.relpath(folder, root)
        top = '.' if rel == '.' else rel.split(os.sep)[0]
        for n in names:
            if n.endswith('.swift'):
                path = os.path.join(folder, n)
                files[top].append((path, strip(open(path, encoding='utf-8').read())))
    owner = {}
    for top, items in files.items():
        for _, text in items:
            for name in DECL.findall(text):
                # Only top-level-looking names: nested types share names across folders rarely.
                owner.setdefault(name, top)
    edges = defaultdict(dict)
    for top, items in files.items():
        for path, text in items:
            declared_here = set(DECL.findall(text))
            for name in set(IDENT.findall(text)) - declared_here:
                other = owner.get(name)
                if other and other != top and other not in edges[top]:
                    edges[top][other] = (name, path)
    for a in sorted(edges):
        for b in sorted(edges[a]):
            name, path = edges[a][b]
            print(f'{a} -> {b}   ({name} in {os.path.relpath(path, root)})')
    # Tarjan's strongly connected components.
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            sccs.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(files):
        if v not in index:
            visit(v)
    cycles = [sorted(c) for c in sccs if len(c) > 1]
    print()
    if not cycles:
        print('no cycles between folders')
        return 0
    for c in cycles:
        print('cycle: ' + ' <-> '.join(c))
        for a in c:
            for b in c:
                if b in edges.get(a, {}):
                    name, path = edges[a][b]
                    print(f'   {a} -> {b} via {name} ({os.path.relpath(path, root)})')
    return 1


if __name__ == '__main__':
    sys.exit(main())
