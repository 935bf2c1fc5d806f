"""Reads plain scalars with PyYAML's SafeLoader (as Apsis reads job files): JSON list of strings on stdin,
one JSON result per scalar on stdout: {type, value} or {type: "error"} or {type: "syntax"} when the text
is not a plain scalar at all (the generator's fault)."""
import datetime
import json
import sys

import yaml

out = []
for text in json.load(sys.stdin):
    doc = "v: " + text + "\n"
    try:
        node = yaml.compose(doc, Loader=yaml.SafeLoader)
        value_node = node.value[0][1]
        if not isinstance(value_node, yaml.ScalarNode) or value_node.style is not None or value_node.value != text:
            out.append({"type": "syntax"})
            continue
    except yaml.YAMLError as e:
        out.append({"type": "syntax", "message": str(e)})
        continue
    try:
        v = yaml.safe_load(doc)["v"]
    except Exception as e:  # a constructor error: Apsis cannot load the file
        out.append({"type": "error", "message": f"{type(e).__name__}: {e}"})
        continue
    if v is None:
        out.append({"type": "null"})
    elif isinstance(v, bool):
        out.append({"type": "bool", "value": v})
    elif isinstance(v, int):
        out.append({"type": "int", "value": str(v)})
    elif isinstance(v, float):
        out.append({"type": "float", "value": repr(v)})
    elif isinstance(v, datetime.datetime):
        out.append({"type": "datetime"})
    elif isinstance(v, datetime.date):
        out.append({"type": "date"})
    elif isinstance(v, str):
        out.append({"type": "str", "value": v})
    else:
        out.append({"type": "other", "value": repr(v)})
json.dump(out, sys.stdout)
