"""Renders templates with Jinja2 configured as Apsis configures it (apsis/runs.py: an Environment whose
Undefined raises NameError, nothing else changed). Reads a JSON list of {template, vars} on stdin, writes
a JSON list of {ok: true, value} / {ok: false, error} on stdout. Of the helpers Apsis binds, only Python's
`format` is here (ora is not installed): templates sent to this oracle use Jinja2 and Python only."""
import json
import sys

import jinja2


class _Undefined(jinja2.StrictUndefined):
    def __init__(self, *args, name, **kw_args):
        raise NameError(f"name '{name}' is not defined")


ENV = jinja2.Environment(undefined=_Undefined)

out = []
for case in json.load(sys.stdin):
    try:
        value = ENV.from_string(case["template"]).render({"format": format, **case.get("vars", {})})
        if len(value) > 100_000:
            out.append({"ok": False, "error": "oracle: output too long to compare"})
        else:
            out.append({"ok": True, "value": value})
    except Exception as e:  # any exception is an error of the template, as in Apsis
        out.append({"ok": False, "error": f"{type(e).__name__}: {e}"})
json.dump(out, sys.stdout)
