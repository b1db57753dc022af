#!/usr/bin/env python3
"""Regenerates the ground truth for lambda-sim's output formats.

Run from the package root:

    python3 -m venv /tmp/v2yaml
    /tmp/v2yaml/bin/pip install 'ruamel.yaml==0.17.21' 'ruamel.yaml.clib<=0.2.12'
    AWSCLI_V2_YAML_PYTHON=/tmp/v2yaml/bin/python \
        python3 Tests/LambdaSimJSONTests/Fixtures/formats/generate.py

The main interpreter needs the AWS CLI v1 Python package (awscli:
text.py, table.py, formatter.py) for text and table output.  YAML output
is AWS CLI v2's (v1 has none): v2's awscli/formatter.py `YAMLDumper`
dumps with ruamel.yaml, which v2 pins to <=0.17.21 with its libyaml C
extension; the `--yaml-worker` mode below re-creates that dumper and runs
under AWSCLI_V2_YAML_PYTHON, an interpreter that has exactly those.

It writes:

  * Tests/LambdaSimJSONTests/Fixtures/formats/FormatTextFixtures.swift
  * Tests/LambdaSimJSONTests/Fixtures/formats/FormatTableFixtures.swift
  * Tests/LambdaSimJSONTests/Fixtures/formats/FormatYAMLFixtures.swift
  * Sources/LambdaSimJSON/Formats/EastAsianWidth.swift

The fixtures are Swift files holding one JSON document each (an array of
cases), so the tests need neither Python nor bundle resources.  A case is
{"name", "input", "expected", "error"} (plus "title" and "width" for
tables, "stream" for YAML); "error" is null, or the Python exception the
real CLI would hit ("expected" is then whatever reached stdout before it).
"""

import argparse
import io
import json
import os
import random
import subprocess
import sys
import unicodedata

if '--yaml-worker' not in sys.argv:  # the worker's interpreter has no awscli
    from awscli import table as aws_table
    from awscli import text as aws_text
    from awscli.formatter import TableFormatter as AWSTableFormatter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..', '..', '..'))

# --------------------------------------------------------------------------
# Ground-truth producers
# --------------------------------------------------------------------------


def run_text(value):
    out = io.StringIO()
    try:
        aws_text.format_text(value, out)
    except Exception as e:  # the real CLI prints what came before, then fails
        return out.getvalue(), '%s: %s' % (type(e).__name__, e)
    return out.getvalue(), None


def run_table(value, title, width):
    # awscli sizes tables with determine_terminal_width(): an ioctl on
    # stdout, falling back to 80 when stdout is not a terminal.  Pin it.
    saved = aws_table.determine_terminal_width
    aws_table.determine_terminal_width = lambda default_width=80: width
    try:
        args = argparse.Namespace(color='off', query=None)
        formatter = AWSTableFormatter(args)
        out = io.StringIO()
        try:
            formatter._format_response(title, value, out)
        except Exception as e:
            return out.getvalue(), '%s: %s' % (type(e).__name__, e)
        return out.getvalue(), None
    finally:
        aws_table.determine_terminal_width = saved


def yaml_worker():
    """Reads a JSON list of values on stdin, writes [yaml, yaml-stream] pairs.

    Runs under an interpreter with ruamel.yaml 0.17.21 and ruamel.yaml.clib,
    what AWS CLI v2 ships.  This mirrors v2's formatter.YAMLDumper (scalars
    are JSON-dumped), YAMLFormatter (an empty dict prints nothing) and
    StreamedYAMLFormatter (each page is dumped as a one-item list).
    """
    import ruamel.yaml
    from ruamel.yaml import YAML
    assert ruamel.yaml.__version__ == '0.17.21', ruamel.yaml.__version__
    assert ruamel.yaml.__with_libyaml__, 'ruamel.yaml.clib is missing'

    def dump(value):
        out = io.StringIO()
        if value is None or isinstance(value, (int, float, bool, str)):
            json.dump(value, out, ensure_ascii=False)
            out.write('\n')
        else:
            dumper = YAML(typ='safe')
            dumper.encoding = None
            dumper.representer.default_flow_style = False
            dumper.dump(value, out)
        return out.getvalue()

    results = []
    for value in json.load(sys.stdin):
        results.append(['' if value == {} else dump(value), dump([value])])
    json.dump(results, sys.stdout, ensure_ascii=True)


def run_yaml_all(values):
    python = os.environ.get('AWSCLI_V2_YAML_PYTHON', sys.executable)
    done = subprocess.run([python, os.path.abspath(__file__), '--yaml-worker'],
                          input=json.dumps(values, ensure_ascii=True), capture_output=True,
                          text=True)
    if done.returncode != 0:
        sys.exit('YAML worker failed (set AWSCLI_V2_YAML_PYTHON, see the docstring):\n' + done.stderr)
    return json.loads(done.stdout)


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------

CREATE_FUNCTION = {
    "FunctionName": "fn-d",
    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:fn-d",
    "Runtime": "python3.12",
    "Role": "arn:aws:iam::123456789012:role/lambda-role",
    "Handler": "handler.handler",
    "CodeSize": 219,
    "Description": "",
    "Timeout": 10,
    "MemorySize": 256,
    "LastModified": "2026-11-22T20:03:29.720980000Z",
    "CodeSha256": "q0j6iJ5asWlTjY8yjsx9yJVPK821zHOQADLaB1yjokU=",
    "Version": "$LATEST",
    "Environment": {"Variables": {"K": "v"}},
    "TracingConfig": {"Mode": "PassThrough"},
    "Layers": [],
    "State": "Active",
    "PackageType": "Zip",
    "Architectures": ["x86_64"],
    "EphemeralStorage": {"Size": 512},
    "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
}


def config(name, **extra):
    base = {
        "FunctionName": name,
        "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:" + name,
        "Runtime": "nodejs20.x",
        "Role": "arn:aws:iam::123456789012:role/service-role/" + name + "-role",
        "Handler": "index.handler",
        "CodeSize": 1024,
        "Description": "A function called " + name,
        "Timeout": 3,
        "MemorySize": 128,
        "LastModified": "2026-11-22T20:03:29.720+0000",
        "CodeSha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        "Version": "$LATEST",
        "TracingConfig": {"Mode": "PassThrough"},
        "RevisionId": "a1b2c3d4-5678-90ab-cdef-11111EXAMPLE",
        "PackageType": "Zip",
        "Architectures": ["x86_64"],
        "EphemeralStorage": {"Size": 512},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": "/aws/lambda/" + name},
    }
    base.update(extra)
    return base


LIST_FUNCTIONS = {"Functions": [
    config("alpha"),
    config("beta", Environment={"Variables": {"STAGE": "prod", "DEBUG": "0"}},
           Layers=[{"Arn": "arn:aws:lambda:us-east-1:123456789012:layer:lib:3", "CodeSize": 42}]),
    config("gamma-with-a-much-longer-name", MemorySize=10240, Timeout=900),
]}

GET_POLICY = {
    "Policy": "{\"Version\":\"2012-10-17\",\"Id\":\"default\",\"Statement\":[{\"Sid\":\"s3\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"s3.amazonaws.com\"},\"Action\":\"lambda:InvokeFunction\",\"Resource\":\"arn:aws:lambda:us-east-1:123456789012:function:fn\"}]}",
    "RevisionId": "4843f2f6-7c59-4fda-b484-afd0bc0e22b8",
}

ALIASES = {"Aliases": [
    {"AliasArn": "arn:aws:lambda:us-east-1:123456789012:function:fn:live", "Name": "live",
     "FunctionVersion": "3", "Description": "",
     "RoutingConfig": {"AdditionalVersionWeights": {"4": 0.1}},
     "RevisionId": "rev-1"},
    {"AliasArn": "arn:aws:lambda:us-east-1:123456789012:function:fn:beta", "Name": "beta",
     "FunctionVersion": "4", "Description": "beta channel", "RevisionId": "rev-2"},
]}

ESM = {"EventSourceMappings": [
    {"UUID": "14e0db71-abcd-4eb5-b481-8945cf9d10c2", "BatchSize": 10,
     "MaximumBatchingWindowInSeconds": 0, "EventSourceArn": "arn:aws:sqs:us-east-1:123456789012:q",
     "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:fn",
     "LastModified": 1700000000.123, "State": "Enabled", "StateTransitionReason": "USER_INITIATED",
     "FunctionResponseTypes": [], "ScalingConfig": {"MaximumConcurrency": 5},
     "FilterCriteria": {"Filters": [{"Pattern": "{\"body\":{\"a\":[1]}}"}]}},
]}

CJK = {"名前": "関数", "Größe": "ä", "emoji": "😀", "wide": "ｗｉｄｅ", "ambiguous": "±×÷°"}


def hand_cases():
    """(name, value) pairs shared by text and table."""
    return [
        ("invoke-status", {"StatusCode": 200}),
        ("invoke-version", {"StatusCode": 200, "ExecutedVersion": "$LATEST"}),
        ("invoke-error", {"StatusCode": 200, "FunctionError": "Unhandled", "ExecutedVersion": "$LATEST"}),
        ("query-null", None),
        ("query-string", "Unhandled"),
        ("query-dict", {"s": 200, "e": "Unhandled"}),
        ("query-int", 42),
        ("query-zero", 0),
        ("query-false", False),
        ("query-true", True),
        ("query-float", 1.5),
        ("query-float-integral", 3.0),
        ("query-float-big", 1e22),
        ("query-float-small", 1e-7),
        ("query-float-neg", -0.25),
        ("query-float-16", 1e16),
        ("query-float-15", 1e15),
        ("query-float-0001", 0.0001),
        ("query-float-00001", 0.00001),
        ("query-neg-zero", -0.0),
        ("query-empty-string", ""),
        ("query-space-string", "  padded  "),
        ("query-empty-list", []),
        ("query-empty-dict", {}),
        ("query-list-scalars", [1, "two", 3.5, None, True]),
        ("query-list-strings", ["a", "b", "c"]),
        ("query-list-of-lists", [[1, 2], [3, 4], ["x"]]),
        ("query-list-mixed-lists", [1, [2, 3], "s", [4]]),
        ("query-list-nested-lists", [[1, [2, [3, []]]], [[]]]),
        ("query-list-of-dicts", [{"a": 1, "b": 2}, {"a": 3, "c": 4}]),
        ("query-list-of-dicts-nested", [{"a": 1, "n": {"x": 1}}, {"a": 2, "l": [1, 2]}]),
        ("query-list-dicts-empty", [{}, {}]),
        ("query-list-dict-then-scalar", [{"a": 1}, 2]),
        ("query-list-scalar-then-dict", [2, {"a": 1}]),
        ("query-list-dict-value-changes", [{"a": 1}, {"a": {"b": 2}}, {"a": [1, "x"]}]),
        ("query-list-of-empty-lists", [[], []]),
        ("query-list-of-empty-string", ["", ""]),
        ("create-function", CREATE_FUNCTION),
        ("list-functions", LIST_FUNCTIONS),
        ("list-functions-empty", {"Functions": []}),
        ("get-policy", GET_POLICY),
        ("list-aliases", ALIASES),
        ("list-esm", ESM),
        ("tags", {"Tags": {"team": "core", "cost-center": "42", "Env": "prod"}}),
        ("dict-of-lists", {"A": [1, 2], "B": ["x"], "C": []}),
        ("dict-of-dicts", {"Outer": {"Inner": {"Deep": {"k": "v"}}, "s": 1}}),
        ("dict-nested-empty", {"E": {}, "L": [], "N": None, "Z": 0, "S": ""}),
        ("dict-only-nested-empty", {"E": {}, "L": []}),
        ("dict-list-of-list", {"M": [[1, 2], [3]]}),
        ("dict-list-of-dict-lists", {"M": [{"L": [{"x": 1}, {"x": 2}]}, {"L": []}]}),
        ("dict-bools-null", {"t": True, "f": False, "n": None}),
        ("dict-unicode", CJK),
        ("dict-key-order", {"b": 1, "a": 2, "B": 3, "_": 4, "aa": 5, "Z": 6, "é": 7}),
        ("dict-empty-key", {"": "empty", "k": {"": 1}}),
        ("dict-tabs-newlines", {"multi": "line1\nline2", "tab": "a\tb"}),
        ("dict-long-values", {"Description": "x" * 90, "Name": "short"}),
        ("dict-long-key", {"K" * 85: 1}),
        ("dict-wide-enough", {"A": "a" * 30, "B": "b" * 30}),
        ("dict-too-wide", {"A": "a" * 40, "B": "b" * 40, "C": 1}),
        ("dict-list-long-rows", {"Items": [{"Name": "n%d" % i, "Value": "v" * (10 * i)} for i in range(1, 7)]}),
        ("dict-list-scalars-and-nested", {"Items": [{"Name": "a", "Sub": {"X": 1, "Y": 2}}, {"Name": "b"}]}),
        ("dict-list-hetero", {"Items": [{"a": 1}, {"b": 2}, {"a": 3, "b": 4, "c": 5}]}),
        ("dict-list-of-scalars-nested", {"Names": ["one", "two"], "Count": 2}),
        ("dict-list-of-lists-nested", {"Grid": [[1, 2, 3], [4, 5, 6]]}),
        ("dict-list-ragged", {"Grid": [[1, 2, 3], [4, 5]]}),
        ("dict-list-scalar-and-list", {"Mixed": [1, [2, 3]]}),
        ("dict-list-list-with-dicts", {"Deep": [[{"a": 1}, {"a": 2, "b": {"c": 1}}]]}),
        ("single-scalar-and-nested", {"Only": 1, "Nested": {"A": 1, "B": 2}}),
        ("numbers", {"i": -7, "f": 2.5, "e": 1.5e300, "tiny": 5e-324, "z": 0.0}),
        ("very-nested", {"L1": {"L2": {"L3": {"L4": {"L5": [{"k": "v", "n": {"m": 1}}]}}}}}),
    ]


def random_scalar(rng):
    pool = [
        lambda: rng.randint(-1000, 100000),
        lambda: rng.choice([0, 1, -1, 200]),
        lambda: rng.choice([0.5, 1.0, -2.75, 1e20, 3.14159, 1e-05, 123456789.125]),
        lambda: rng.choice([True, False, None]),
        lambda: rng.choice(["", "x", "hello world", "$LATEST", "arn:aws:lambda:us-east-1:1:function:f",
                            "日本語", "Ünïcödé", "with\ttab", "two\nlines", "  sp  ", "a" * rng.randint(1, 70),
                            "true", "null", "123", "#hash", "- dash", "quote'd", 'dq"x']),
    ]
    return rng.choice(pool)()


KEYS = ["Name", "name", "Value", "Arn", "Id", "a", "b", "Z", "_x", "Size", "State", "キー", "Ω", "k1", "k2"]


def random_value(rng, depth, shape):
    if depth <= 0 or rng.random() < 0.3:
        return random_scalar(rng)
    kind = rng.random()
    if shape == 'table':
        # Tables of lists must start with a dict or hold only scalars/lists.
        if kind < 0.5:
            return random_dict(rng, depth, shape)
        if kind < 0.8:
            n = rng.randint(0, 4)
            keys = rng.sample(KEYS, rng.randint(1, 4))
            out = []
            for _ in range(n):
                d = {}
                for k in keys:
                    if rng.random() < 0.85:
                        d[k] = random_value(rng, depth - 1, shape) if rng.random() < 0.25 else random_scalar(rng)
                out.append(d)
            return out
        if kind < 0.9:
            return [random_scalar(rng) for _ in range(rng.randint(0, 4))]
        width = rng.randint(1, 3)
        return [[random_scalar(rng) for _ in range(width)] for _ in range(rng.randint(1, 3))]
    if kind < 0.5:
        return random_dict(rng, depth, shape)
    if kind < 0.75:
        n = rng.randint(0, 4)
        keys = rng.sample(KEYS, rng.randint(1, 4))
        return [{k: (random_value(rng, depth - 1, shape) if rng.random() < 0.3 else random_scalar(rng))
                 for k in keys if rng.random() < 0.8} for _ in range(n)]
    if kind < 0.85:
        return [random_value(rng, depth - 1, shape) for _ in range(rng.randint(0, 4))]
    return [[random_scalar(rng) for _ in range(rng.randint(0, 3))] for _ in range(rng.randint(1, 3))]


def random_dict(rng, depth, shape):
    d = {}
    for k in rng.sample(KEYS, rng.randint(0, 6)):
        d[k] = random_value(rng, depth - 1, shape)
    return d


YAML_STRINGS = [
    "", " ", "  ", "a", "a b", " lead", "trail ", "x  y", "$LATEST", "fn-d", "python3.12",
    "arn:aws:lambda:us-east-1:123456789012:function:fn-d", "arn:aws:iam::123456789012:role/r",
    "q0j6iJ5asWlTjY8yjsx9yJVPK821zHOQADLaB1yjokU=", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    "2026-11-22T20:03:29.720980000Z", "2026-11-22T20:03:29.720+0000", "2026-11-22", "2026-1-2",
    "2001-12-14 21:59:43.10 -5", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43 ", "2001-12-14 21:59:43Z",
    "2001-12-14T21:59:43+5", "2001-12-14T21:59:43+05:0", "12:30", "1:2:3", "190:20:30.15", "1:60", "-1:30",
    "0", "00", "08", "017", "0o17", "0b101", "0b", "0x1F", "0xg", "1_000", "+1", "-1", "+", "-", "1.", ".5", "1.5",
    "1e5", "1e+5", "1.0e+5", "1.0e5", "6.8523015e+5", "685.230_15e+03", "685_230.15", "-.inf", ".inf", ".Inf",
    "+.INF", ".nan", ".NaN", "NaN", "nan", "inf", "Infinity", "1,000", "3.14.15", "._5", "_1",
    "true", "True", "TRUE", "tRUE", "false", "yes", "Yes", "YES", "no", "No", "on", "On", "off", "OFF", "y", "n",
    "Y", "N", "null", "Null", "NULL", "nULL", "~", "~a", "<<", "<", "=", "==", "!", "!a", "&a", "*a", "&", "*",
    "#c", "a #c", "a#c", "a: b", "a:b", "a:", ":a", ":", "- a", "-a", "--", "---", "--- a", "...", "....",
    "?", "? a", "?a", "[a]", "a[b", "{a}", "a}b", "a,b", ",a", "%x", "@x", "`x", "'x", "\"x", "|", "|a", ">", ">a",
    "a\nb", "a\n", "\n", "\na", "a\n\nb", "a \nb", "a\n b", "a\n\n", " a\nb", "\tx", "a\tb", "x\t", "é", "日本",
    "ｗｉｄｅ", "😀", "a😀b", "a😀\tb", "\u0085", "a\u0085b", "a\u2028b", "a\u2029b", "\ufeff", "a\ufeffb", "\x00",
    "\x07", "\x1b", "\x7f", "\x80", "\x9f", "\xa0", "a\xa0b", "\ue000", "\ufffd", "\ufffe", "\U0010fffd",
    "a'b", "it's", "'", "''", "a\"b", "back\\slash", "a'b\nc", "'\n'", "a\r\nb", "a\rb", "x" * 130,
    "{\"Version\":\"2012-10-17\",\"Statement\":[]}", "key: value # comment", "http://example.com/a?b=c#d",
    "s3://bucket/key", "a - b", "a -b", "-a b", "@", "`", "a'", "a\"", "1 2", "1\t2",
    "0o", "0o8", "+_", "_5", "-_", "._", ".5e+3", ".5e3", "1e", "1E+05", "1.e5", "-1_0", "0x", "0b2",
    "a\rb", "\r", "a\u00a0b c", "x\u0300y",
    # Folding at column 80: plain, single- and double-quoted, with runs of spaces.
    "word " * 30, ("word " * 30).strip(), "w " * 60 + "end", "a" * 79 + " b", "a" * 80 + " b", "a" * 81 + " b c",
    "b" * 90 + " " + "c" * 90, "x" * 85 + "  double  spaces  " * 4, "it's " * 25, "#" + "y " * 50,
    "tab\t" + "z " * 50, "tab\t" + "q  " * 40, "tab\t" + "p " * 40 + " ", "\ttab " + "r " * 45 + "  s",
    "line one\n" + "long " * 20 + "\nline three", "The Lambda function description that goes on and on, "
    "explaining what it does in some considerable detail, more than eighty columns.",
]


def yaml_cases():
    cases = [(name, value) for name, value in hand_cases()]
    for i, s in enumerate(YAML_STRINGS):
        cases.append(("string-%d" % i, s))
        cases.append(("string-in-map-%d" % i, {"Key": s, "Other": 1}))
    cases.append(("strings-in-list", list(YAML_STRINGS)))
    cases.append(("strings-as-keys", {s: i for i, s in enumerate(YAML_STRINGS)}))
    cases.append(("strings-in-nested", {"L": [{"k": s} for s in YAML_STRINGS[:60]]}))
    cases.extend([
        ("nested-seq-in-seq", [[1, 2], [[3, 4], []], [{}]]),
        ("map-in-seq", [{"a": 1, "b": [1, 2]}, {"c": {"d": "e"}}]),
        ("seq-in-map", {"a": [1, [2, 3], {"x": "y"}], "b": {}}),
        ("multiline-in-seq", ["a\nb", {"k": "c\nd"}, [" x\ny", "z\n"]]),
        ("multiline-deep", {"a": {"b": {"c": "line1\nline2\n\nline4"}}}),
        ("long-key-complex", {"k" * 127: 1, "q" * 128: 2, "multi\nline": 3, "": 4}),
        ("long-key-edge", {"a" * 122: 1, "b" * 123: 2, "日" * 122: 3, "c\td" * 40: 4}),
        ("key-bytes-edge", {"k" * 128: 1, "l" * 129: 2, "日" * 42 + "ab": 3, "日" * 43: 4, "é" * 64: 5,
                            "é" * 64 + "x": 6, "key with spaces " * 10: 7, "": 8}),
        ("fold-nested", {"A": {"B": [{"C": "word " * 40, "D": ["x " * 50, {"E": "it's " * 30}]}]}}),
        ("fold-keys", {"short": "v " * 50, "k " * 50: "v"}),
        ("sorting", {"b": 1, "a": 2, "B": 3, "_": 4, "aa": 5, "Z": 6, "é": 7, "10": 8, "9": 9, "": 10}),
        ("long-key-nested", {"outer": {"w" * 200: {"x": 1}, "m\nl": [1, 2]}}),
        ("floats", [0.1, 1.0, -2.5, 1e16, 1e15, 1e-5, 1e-4, 1.5e300, 5e-324, -0.0, 1e22, 123456789.123]),
        ("ints", [0, -1, 9007199254740993, -9223372036854775808, 9223372036854775807]),
        ("root-list-of-nulls", [None, None]),
        ("empty-in-seq", [[], {}, ""]),
    ])
    return cases


# --------------------------------------------------------------------------
# Case assembly
# --------------------------------------------------------------------------

def text_fixtures():
    out = []
    cases = hand_cases()
    rng = random.Random(20261122)
    for i in range(250):
        cases.append(("random-%d" % i, random_value(rng, 4, 'text')))
    for name, value in cases:
        expected, error = run_text(value)
        out.append({"name": name, "input": value, "expected": expected, "error": error})
    return out


def table_fixtures():
    out = []
    cases = [(n, v, "Invoke", 80) for n, v in hand_cases()]
    for n, v in hand_cases():
        if n in ("create-function", "list-functions", "list-aliases", "dict-too-wide",
                 "dict-list-long-rows", "dict-long-values", "dict-unicode", "invoke-version"):
            for w in (20, 40, 60, 100, 160, 250):
                cases.append(("%s-width-%d" % (n, w), v, "GetFunction", w))
    cases.append(("title-long", {"a": 1}, "AVeryLongOperationTitleThatIsWiderThanTheTable", 80))
    cases.append(("title-empty", {"a": 1, "b": 2}, "", 80))
    cases.append(("title-unicode", {"a": 1}, "関数一覧", 80))
    cases.append(("title-odd", {"abc": 1}, "Odd", 80))
    cases.append(("title-even", {"abcd": 1}, "Even", 80))
    rng = random.Random(4242)
    accepted = 0
    while accepted < 200:
        value = random_value(rng, 4, 'table')
        title = rng.choice(["Invoke", "ListFunctions", "X"])
        width = rng.choice([80, 80, 80, 40, 120])
        if len(run_table(value, title, width)[0]) > 6000:
            continue  # keep the fixture file small
        cases.append(("random-%d" % accepted, value, title, width))
        accepted += 1
    for name, value, title, width in cases:
        expected, error = run_table(value, title, width)
        out.append({"name": name, "title": title, "width": width, "input": value,
                    "expected": expected, "error": error})
    return out


def yaml_fixtures():
    cases = yaml_cases()
    rng = random.Random(777)
    for i in range(150):
        cases.append(("random-%d" % i, random_value(rng, 4, 'yaml')))
    # A JSON round trip gives every case fresh objects (no YAML anchors).
    values = [json.loads(json.dumps(value)) for _, value in cases]
    out = []
    for (name, value), (expected, stream) in zip(cases, run_yaml_all(values)):
        out.append({"name": name, "input": value, "expected": expected, "stream": stream, "error": None})
    return out


def swift_fixture_file(symbol, cases, description):
    body = ",\n".join(json.dumps(c, ensure_ascii=True) for c in cases)
    hashes = '#'
    while ('"""' + hashes) in body or ('\\' + hashes) in body:
        hashes += '#'
    return (
        "// Generated by Fixtures/formats/generate.py from the real AWS CLI code; do not edit.\n"
        "// %s\n"
        "// %d cases.\n\n"
        "extension FormatFixtures {\n"
        "    static let %s = %s\"\"\"\n"
        "[\n%s\n]\n"
        "\"\"\"%s\n"
        "}\n" % (description, len(cases), symbol, hashes, body, hashes)
    )


def east_asian_width_file():
    ranges = []
    start = None
    prev = None
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            wide = False
        else:
            wide = unicodedata.east_asian_width(chr(cp)) in 'WFA'
        if wide:
            if start is None:
                start = cp
            prev = cp
        elif start is not None:
            ranges.append((start, prev))
            start = None
    if start is not None:
        ranges.append((start, prev))
    lines = []
    for i in range(0, len(ranges), 4):
        chunk = ranges[i:i + 4]
        lines.append("        " + " ".join("(0x%04X, 0x%04X)," % r for r in chunk))
    return (
        "// Generated by Tests/LambdaSimJSONTests/Fixtures/formats/generate.py; do not edit.\n"
        "// Unicode %s East Asian Width classes W, F and A (what awscli's\n"
        "// table.get_text_length counts as two columns), as closed code point ranges.\n\n"
        "enum EastAsianWidth {\n"
        "    /// True when awscli's table code counts `scalar` as two columns wide.\n"
        "    static func isWide(_ scalar: Unicode.Scalar) -> Bool {\n"
        "        let value = scalar.value\n"
        "        var low = 0\n"
        "        var high = ranges.count - 1\n"
        "        while low <= high {\n"
        "            let mid = (low + high) / 2\n"
        "            let (first, last) = ranges[mid]\n"
        "            if value < first {\n"
        "                high = mid - 1\n"
        "            } else if value > last {\n"
        "                low = mid + 1\n"
        "            } else {\n"
        "                return true\n"
        "            }\n"
        "        }\n"
        "        return false\n"
        "    }\n\n"
        "    static let ranges: [(UInt32, UInt32)] = [\n"
        "%s\n"
        "    ]\n"
        "}\n" % (unicodedata.unidata_version, "\n".join(lines))
    )


def write(path, content):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(content)
    print('wrote', os.path.relpath(path, ROOT))


def main():
    write(os.path.join(HERE, 'FormatTextFixtures.swift'),
          swift_fixture_file('text', text_fixtures(), 'awscli v1 text.format_text (--output text).'))
    write(os.path.join(HERE, 'FormatTableFixtures.swift'),
          swift_fixture_file('table', table_fixtures(),
                             'awscli v1 formatter.TableFormatter + table.MultiTable (--output table, --color off).'))
    write(os.path.join(HERE, 'FormatYAMLFixtures.swift'),
          swift_fixture_file('yaml', yaml_fixtures(),
                             'AWS CLI v2 --output yaml (ruamel.yaml 0.17.21 + libyaml); "stream" is one '
                             '--output yaml-stream page.'))
    write(os.path.join(ROOT, 'Sources', 'LambdaSimJSON', 'Formats', 'EastAsianWidth.swift'),
          east_asian_width_file())


if __name__ == '__main__':
    if '--yaml-worker' in sys.argv:
        yaml_worker()
    else:
        main()
