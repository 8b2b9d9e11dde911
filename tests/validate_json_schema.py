#!/usr/bin/env python3
"""validate_json_schema.py SCHEMA DOCUMENT

Test helper: exits 0 when DOCUMENT (JSON) is valid against the JSON schema SCHEMA, using the
python3-jsonschema validator for the schema's draft (the SARIF 2.1.0 schema is draft 4).
Otherwise prints each error with its JSON path and exits 1.  Every "uri" value must also be a
well-formed URI reference (RFC 3986 characters, %XX escapes), which the schema's
"format": "uri-reference" asks for but jsonschema checks only with optional packages.
"""
import json
import re
import sys

import jsonschema

URI_REFERENCE = re.compile(r"^([A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")


def uris(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "uri" and isinstance(value, str):
                yield path + "/uri", value
            yield from uris(value, path + "/" + key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from uris(value, "%s/%d" % (path, i))


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:  # invalid UTF-8 fails here
        document = json.load(f)
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    errors = ["%s: %s" % ("/".join(map(str, e.absolute_path)), e.message)
              for e in validator(schema).iter_errors(document)]
    errors += ["%s: not a URI reference: %r" % (p, u) for p, u in uris(document)
               if not URI_REFERENCE.match(u)]
    for line in errors:
        print(line)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
