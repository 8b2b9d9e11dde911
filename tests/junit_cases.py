#!/usr/bin/env python3
"""junit_cases.py REPORT.xml

Test helper: reads a JUnit report with python3-junitparser, the parser that CI tools' Python
plugins use, and prints what a CI view would show: "cases=N failed=F errors=E skipped=S
passed=P", then one line per test case "STATE<TAB>classname<TAB>name".  Exits 1 when the file
does not parse.  Not for: schema validation (xmllint and tests/schemas/junit-10.xsd do that).
"""
import sys

from junitparser import Error, Failure, JUnitXml, Skipped


def state(case):
    kinds = [type(r) for r in case.result]
    if Failure in kinds:
        return "failed"
    if Error in kinds:
        return "error"
    if Skipped in kinds:
        return "skipped"
    return "passed"


def main():
    try:
        xml = JUnitXml.fromfile(sys.argv[1])
    except Exception as e:  # any parse failure is the test's failure
        print("unparsable: %s" % e)
        return 1
    cases = [case for suite in xml for case in suite]
    counts = {"failed": 0, "error": 0, "skipped": 0, "passed": 0}
    lines = []
    for case in cases:
        s = state(case)
        counts[s] += 1
        lines.append("%s\t%s\t%s" % (s, case.classname, case.name))
    print("cases=%d failed=%d errors=%d skipped=%d passed=%d" % (
        len(cases), counts["failed"], counts["error"], counts["skipped"], counts["passed"]))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
