"""Every limit refuses with its own clear error, and can be raised where a user could need more.

| limit                          | default            | error | override                                  |
|--------------------------------|--------------------|-------|-------------------------------------------|
| layers after expansion         | 50,000             | E307  | Limits(max_layers=), --max-layers         |
| bytes of spec (file, import)   | 64 KiB             | E100  | Limits(max_bytes=), --max-bytes           |
| bracket nesting                | 100                | E109  | Limits(max_depth=), --max-depth           |
| import nesting                 | 32 files           | E215  | Limits(max_import_depth=), --max-import... |
| a size, count or stride        | 2,147,483,647      | E306  | none: no network needs more               |
| digits of a number             | 100                | E306  | none: sizes stop at 2,147,483,647 anyway  |
| build memory (fp32)            | 4 GiB              | E403  | Limits(max_memory=), build --max-memory   |
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import ARCHITECTURES_DIR, HEAD, archc_in_process_outputs, codes, write

import archlang
from archlang import limits, runtime, scope, source, syntax
from archlang.report import totals

# ---- layers after expansion ------------------------------------------------------------------


def test_layer_count_is_capped_before_expanding() -> None:
    start = time.perf_counter()
    assert codes(HEAD + "[conv3-64]*1000000000") == [("E307", 3, 1)]
    assert time.perf_counter() - start < 1
    assert archlang.Limits().max_layers == 50_000


def test_layer_cap_is_found_without_expanding_blocks() -> None:
    """Forty blocks, each calling the one before twice: 2**40 layers, refused at once
    (counting once took 2**20 steps to reach the cap)."""
    blocks = "def b1(c) = conv3-c\n" + "".join(f"def b{k}(c) = b{k - 1}(c), b{k - 1}(c)\n" for k in range(2, 41))
    start = time.perf_counter()
    assert codes(blocks + HEAD + "b40(8)")[0][0] == "E307"
    assert time.perf_counter() - start < 1


def test_layer_cap_can_be_raised_and_lowered(tmp_path: Path) -> None:
    spec = HEAD + "[conv3-8]*50"
    assert codes(spec, limits={"max_layers": 10}) == [("E307", 3, 1)]
    assert len(archlang.check(spec, limits={"max_layers": 50}).rows) == 50
    path = write(tmp_path, "t.arch", spec)
    assert archc_in_process_outputs("check", str(path), "--max-layers", "10")[0] == 1
    assert archc_in_process_outputs("check", str(path), "--max-layers", "50")[0] == 0


# ---- bytes -----------------------------------------------------------------------------------


def test_file_size_is_capped(tmp_path: Path) -> None:
    path = write(tmp_path, "big.arch", HEAD + "conv3-8\n" + "# padding\n" * 10_000)
    assert source.MAX_SOURCE_BYTES == 64 * 1024
    with pytest.raises(archlang.ArchError) as info:
        archlang.check(path)
    [error] = info.value.errors
    assert error.code == "E100" and error.span is None
    assert f"{path.stat().st_size:,} bytes, more than the limit of 65,536" in error.message
    assert "--max-bytes" in (error.hint or "")


def test_file_size_cap_can_be_raised_and_lowered(tmp_path: Path) -> None:
    path = write(tmp_path, "t.arch", HEAD + "conv3-8\n" + "#" * 1000)
    assert codes(path, limits={"max_bytes": 500}) == [("E100", 0, 0)]
    assert archlang.check(path, limits={"max_bytes": 5000}).output == (8, 32, 32)


def test_text_size_is_capped() -> None:
    spec = HEAD + "conv3-8\n" + "#" * 1000
    assert codes(spec, limits={"max_bytes": 500}) == [("E100", 0, 0)]
    assert archlang.check(spec, limits={"max_bytes": 5000}).output == (8, 32, 32)


def test_imported_file_size_is_capped(tmp_path: Path) -> None:
    write(tmp_path, "blocks.arch", "def pair(c) = conv3-c, conv3-c\n" + "#" * 2000 + "\n")
    main_file = write(tmp_path, "main.arch", 'import "blocks.arch"\n' + HEAD + "pair(8)\n")
    errors = codes(main_file, limits={"max_bytes": 1000})
    assert ("E100", 1, 1) in errors  # at the import line
    assert archlang.check(main_file, limits={"max_bytes": 5000}).output == (8, 32, 32)


def test_file_size_on_the_command_line(tmp_path: Path) -> None:
    path = write(tmp_path, "t.arch", HEAD + "conv3-8\n" + "#" * 1000)
    status, _, stderr = archc_in_process_outputs("check", str(path), "--max-bytes", "500")
    assert status == 1 and "error[E100]" in stderr and "more than the limit of 500" in stderr
    assert archc_in_process_outputs("check", str(path), "--max-bytes", "5000")[0] == 0


# ---- bracket nesting -------------------------------------------------------------------------


def nested(depth: int) -> str:
    return HEAD + "[" * depth + "conv3-8" + "]" * depth


def test_nesting_is_capped_at_100() -> None:
    assert syntax.MAX_DEPTH == 100
    assert archlang.check(nested(100)).output == (8, 32, 32)
    assert codes(nested(101)) == [("E109", 3, 101)]


def test_nesting_cap_can_be_raised_and_lowered(tmp_path: Path) -> None:
    assert archlang.check(nested(150), limits={"max_depth": 200}).output == (8, 32, 32)
    assert codes(nested(11), limits={"max_depth": 10}) == [("E109", 3, 11)]
    path = write(tmp_path, "t.arch", nested(150))
    assert archc_in_process_outputs("check", str(path))[0] == 1
    assert archc_in_process_outputs("check", str(path), "--max-depth", "200")[0] == 0


def test_nesting_past_what_python_can_follow_is_still_an_error() -> None:
    """Raising the cap far does not turn a RecursionError into a crash."""
    errors = codes(nested(20_000), limits={"max_depth": 100_000})
    assert [code for code, _, _ in errors] == ["E109"]


def test_imported_files_obey_the_nesting_cap(tmp_path: Path) -> None:
    write(tmp_path, "blocks.arch", "def deep(c) = " + "[" * 20 + "conv3-c" + "]" * 20 + "\n")
    main_file = write(tmp_path, "main.arch", 'import "blocks.arch"\n' + HEAD + "deep(8)\n")
    assert archlang.check(main_file).output == (8, 32, 32)
    with pytest.raises(archlang.ArchError) as info:
        archlang.check(main_file, limits={"max_depth": 10})
    error = info.value.errors[0]
    assert (error.code, Path(error.source.name).name) == ("E109", "blocks.arch")


# ---- import nesting --------------------------------------------------------------------------


def import_chain(folder: Path, files: int) -> Path:
    """main.arch imports f1.arch, which imports f2.arch, ... down to f{files}.arch."""
    folder = folder / f"chain{files}"
    folder.mkdir()
    write(folder, f"f{files}.arch", "def pair(c) = conv3-c, conv3-c\n")
    for i in range(files - 1, 0, -1):
        write(folder, f"f{i}.arch", f'import "f{i + 1}.arch"\n')
    return write(folder, "main.arch", 'import "f1.arch"\n' + HEAD + "pair(8)\n")


def test_import_depth_is_capped(tmp_path: Path) -> None:
    assert scope.MAX_IMPORT_DEPTH == 32
    assert archlang.check(import_chain(tmp_path, 31)).output == (8, 32, 32)
    with pytest.raises(archlang.ArchError) as info:
        archlang.check(import_chain(tmp_path, 40))
    deepest = [d for d in info.value.errors if d.code == "E215"]
    assert deepest and "imports nest deeper than 32 files" in deepest[0].message
    assert "--max-import-depth" in (deepest[0].hint or "")


def test_import_depth_cap_can_be_raised_and_lowered(tmp_path: Path) -> None:
    main_file = import_chain(tmp_path, 40)
    assert archlang.check(main_file, limits={"max_import_depth": 50}).output == (8, 32, 32)
    assert "E215" in {code for code, _, _ in codes(import_chain(tmp_path, 5), limits={"max_import_depth": 3})}
    assert archc_in_process_outputs("check", str(main_file))[0] == 1
    assert archc_in_process_outputs("check", str(main_file), "--max-import-depth", "50")[0] == 0


# ---- numbers ---------------------------------------------------------------------------------


def test_sizes_stop_at_max_int() -> None:
    assert limits.MAX_INT == 2**31 - 1
    assert archlang.check("input 1@1x1\nconv1-2147483647").output == (2**31 - 1, 1, 1)
    with pytest.raises(archlang.ArchError) as info:
        archlang.check("input 1@1x1\nconv1-2147483648")
    [error] = info.value.errors
    assert (error.code, error.line, error.col) == ("E306", 2, 7)  # at the count
    assert "at most 2,147,483,647, not 2,147,483,648" in error.message


def test_input_sizes_stop_at_max_int() -> None:
    assert codes("input 3@2147483648x2") == [("E306", 1, 1)]


def test_repeat_counts_stop_at_max_int() -> None:
    assert codes(HEAD + "[relu]*2147483648") == [("E307", 3, 1)]
    assert codes(HEAD + "[relu]*2147483648", limits={"max_layers": 2**40}) == [("E306", 3, 8)]


def test_a_number_has_at_most_100_digits() -> None:
    assert syntax.MAX_DIGITS == 100
    assert codes(HEAD + "fc-(" + "9" * 101 + ")") == [("E306", 3, 5)]
    assert codes("input " + "9" * 101) == [("E306", 1, 1)]
    # 100 digits parse; the size rule then refuses them.
    with pytest.raises(archlang.ArchError) as info:
        archlang.check(HEAD + "fc-(" + "9" * 100 + ")")
    assert "must be at most 2,147,483,647" in info.value.errors[0].message


def test_an_expression_stays_within_100_digits() -> None:
    product = "*".join(["9" * 60] * 2)
    errors = codes(HEAD + f"fc-({product} - {product} + 1)")
    assert errors == [("E306", 3, 5)]
    assert archlang.check(HEAD + f"fc-({'9' * 60} - {'9' * 60} + 10)").output == (10,)


# ---- build memory ----------------------------------------------------------------------------

HUGE_FC = "network huge\ninput 512@7x7\nfc-10000000\n"  # a 10-million-way fc after a 25,088 flatten


def test_build_refuses_a_network_too_large_before_allocating() -> None:
    assert runtime.MAX_MEMORY == 4 * 1024**3
    start = time.perf_counter()
    with pytest.raises(archlang.ArchError) as info:
        archlang.build(HUGE_FC)
    assert time.perf_counter() - start < 5  # allocating 934 GiB would not return at all
    [error] = info.value.errors
    assert (error.code, error.line, error.col) == ("E403", 3, 1)
    assert "934.6 GiB" in error.message and "more than the limit of 4.0 GiB" in error.message
    assert "the largest layer is fc1 (fc-10000000 on 25088)" in (error.hint or "")


def test_check_states_the_size_in_the_unit_that_reads() -> None:
    """`archc check` says how much the parameters take before anyone builds them."""
    params = totals(archlang.check(HUGE_FC))[1]
    assert params == "params      250,890,000,000 (934.6 GiB at fp32)"
    vgg16 = ARCHITECTURES_DIR / "vgg16.arch"
    assert totals(archlang.check(vgg16))[1] == "params      138,357,544 (527.8 MiB at fp32)"


def test_build_memory_limit_can_be_raised_and_lowered() -> None:
    spec = "network small\ninput 1@28x28\nfc-1000, fc-10\n"  # 795,010 parameters: 3.0 MiB
    with pytest.raises(archlang.ArchError) as info:
        archlang.build(spec, limits={"max_memory": 1024**2})
    assert [d.code for d in info.value.errors] == ["E403"]
    model = archlang.build(spec, limits={"max_memory": 4 * 1024**2})
    assert sum(p.numel() for p in model.parameters()) == 795_010


def test_meta_builds_allocate_nothing_and_are_not_refused() -> None:
    model = archlang.build(HUGE_FC, device="meta")
    assert sum(p.numel() for p in model.parameters()) == 250_890_000_000


@pytest.mark.parametrize(("name", "params"), [("vgg16", {"bn": True}), ("resnet50", {}), ("lenet5_1998", {}),
                                              ("googlenet", {})])
def test_memory_estimate_is_what_torch_allocates(name: str, params: dict) -> None:
    """Parameters and floating-point buffers (batch norm's statistics, RBF prototypes) at 4 bytes."""
    path = ARCHITECTURES_DIR / f"{name}.arch"
    model = archlang.build(path, device="meta", **params)
    values = sum(p.numel() for p in model.parameters())
    values += sum(b.numel() for b in model.buffers() if b.is_floating_point())
    assert runtime.memory_needed(archlang.check(path, **params)) == 4 * values


def test_archc_build_refuses_too(tmp_path: Path) -> None:
    path = write(tmp_path, "huge.arch", HUGE_FC)
    out = tmp_path / "huge.py"
    status, _, stderr = archc_in_process_outputs("build", str(path), "-o", str(out))
    assert status == 1 and "error[E403]" in stderr and "934.6 GiB" in stderr
    assert not out.exists()
    assert archc_in_process_outputs("build", str(path), "-o", str(out), "--max-memory", "1TiB")[0] == 0
    assert out.exists()


@pytest.mark.parametrize(("size", "ok"), [("1TiB", True), ("1t", True), ("2000GiB", True), ("16GiB", False),
                                          ("1e12", None), ("lots", None)])
def test_max_memory_takes_sizes(tmp_path: Path, size: str, ok: bool | None) -> None:
    path = write(tmp_path, "huge.arch", HUGE_FC)
    status = archc_in_process_outputs("build", str(path), "-o", str(tmp_path / "out.py"),
                                      "--max-memory", size)[0]
    assert status == {True: 0, False: 1, None: 2}[ok]
