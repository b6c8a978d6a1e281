#!/usr/bin/env python3
"""Module cycles in a crate: edges from `use crate::X` lines and inline `crate::X::` paths
(test modules and files left out), printed as pairs that use each other and as strongly
connected components. Usage: python3 tests/module-cycles.py syscalls/src [DEPTH]
(DEPTH 1: top-level modules, 2: sys::fs and the like)."""
import os, re, sys
src = sys.argv[1]; depth = int(sys.argv[2]) if len(sys.argv) > 2 else 1
mods = {}
for root, _, files in os.walk(src):
    for f in files:
        if not f.endswith('.rs'): continue
        p = os.path.relpath(os.path.join(root, f), src)[:-3].split('/')
        if p[-1] in ('mod',): p = p[:-1]
        if p in (['lib'], ['main']): continue
        mods[os.path.join(root, f)] = p
def name(parts): return '::'.join(parts[:depth])
edges = {}
for path, parts in mods.items():
    me = name(parts)
    text = open(path).read()
    if parts[-1] in ("tests", "testing"): continue
    while True:
        m = re.search(r'#\[cfg\(test\)\]\s*(pub(\(crate\))? )?mod \w+ \{', text)
        if not m: break
        i = m.end(); level = 1
        while level and i < len(text):
            level += {'{': 1, '}': -1}.get(text[i], 0); i += 1
        text = text[:m.start()] + text[i:]
    text = re.sub(r'//[^\n]*', '', text)
    refs = set()
    for m in re.finditer(r'crate::(\{[^}]*\}|[\w:]+)', text):
        body = m.group(1)
        if body.startswith('{'):
            for item in re.split(r',', body[1:-1]):
                item = item.strip()
                if item: refs.add(tuple(item.split("::")))
        else:
            refs.add(tuple(body.split("::")))
    for r in refs:
        r = [x for x in r if x]
        if not r or r[0] not in {p[0] for p in mods.values()}: continue
        # only keep path segments that are modules
        segs = []
        for i in range(len(r)):
            if r[:i+1] in mods.values(): segs = r[:i+1]
        other = name(segs)
        if other and other != me and not me.startswith(other + '::') and not other.startswith(me + '::'):
            edges.setdefault(me, set()).add(other)
# cycles: pairs and strongly connected components
pairs = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if a in edges.get(b, set())})
for a, b in pairs: print(f"{a} <-> {b}")
# SCCs (Tarjan)
idx = {}; low = {}; st = []; on = set(); out = []; c = [0]
sys.setrecursionlimit(10000)
def sc(v):
    idx[v] = low[v] = c[0]; c[0] += 1; st.append(v); on.add(v)
    for w in edges.get(v, ()):
        if w not in idx: sc(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], idx[w])
    if low[v] == idx[v]:
        comp = []
        while True:
            w = st.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1: out.append(sorted(comp))
for v in list(edges):
    if v not in idx: sc(v)
for comp in out: print("cycle:", ' '.join(comp))
if not pairs and not out: print("no cycles")
