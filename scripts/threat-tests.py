#!/usr/bin/env python3
"""Check that every test the threat-model table cites exists.

    scripts/threat-tests.py TREE

Reads the last cell ("Tests") of each row of the list-tables in
TREE/Documentation/userspace-api/xen-restrict.rst.  In it,
``file.c`` names a kselftest file in tools/testing/selftests/xen/, and
the names after it belong to it: ``fixture.name`` is TEST_F(fixture, name)
and ``name`` is TEST(name).  ``suite/case`` is a KUnit case of a suite in
drivers/xen/.  Prints each citation that names nothing, and exits 1 if
there is one.
"""
import glob
import os
import re
import sys

tree = sys.argv[1]
doc = os.path.join(tree, "Documentation/userspace-api/"
                   "xen-restrict.rst")
stdir = os.path.join(tree, "tools/testing/selftests/xen")

tests = {}
for path in glob.glob(os.path.join(stdir, "*.c")):
    src = open(path).read()
    names = set()
    for f, n in re.findall(r"^TEST_F(?:_TIMEOUT)?\(\s*(\w+)\s*,\s*(\w+)", src,
                           re.M):
        names.add("%s.%s" % (f, n))
    for n in re.findall(r"^TEST\(\s*(\w+)\s*\)", src, re.M):
        names.add(n)
    tests[os.path.basename(path)] = names

kunit = set()
for path in glob.glob(os.path.join(tree, "drivers/xen/*kunit*.c")):
    src = open(path).read()
    suites = re.findall(r'\.name\s*=\s*"(\w+)"', src)
    cases = re.findall(r"KUNIT_CASE(?:_PARAM)?\(\s*(\w+)", src)
    for s in suites:
        for c in cases:
            kunit.add("%s/%s" % (s, c))

# The cells of each list-table row: "   * - " starts a row, "     - " a cell.
rows, cell = [], None
for line in open(doc):
    if re.match(r"^\s*\* - ", line):
        rows.append([])
        cell = re.sub(r"^\s*\* - ", "", line)
        rows[-1].append(cell)
    elif rows and re.match(r"^\s{5}- ", line):
        rows[-1].append(re.sub(r"^\s*- ", "", line))
    elif rows and line.startswith("       ") and rows[-1]:
        rows[-1][-1] += line
    elif not line.strip() or not line.startswith(" "):
        cell = None

bad, cited = [], 0
for row in rows:
    if len(row) < 4 or row[0].strip() in ("Entry point", "Path"):
        continue
    current = None
    for tok in re.findall(r"``([^`]+)``", row[-1]):
        if tok.endswith(".c"):
            current = tok
            if current not in tests:
                bad.append("%s: no such test file" % tok)
            continue
        if "/" in tok:
            cited += 1
            if tok not in kunit:
                bad.append("%s: no such KUnit case" % tok)
            continue
        if current is None:
            continue
        cited += 1
        if tok not in tests.get(current, set()):
            bad.append("%s: no %s in %s" %
                       (tok, "TEST_F" if "." in tok else "TEST", current))

print("%d rows, %d cited tests" % (len(rows), cited))
for b in bad:
    print("missing: " + b)
sys.exit(1 if bad or not cited else 0)
