"""The first code cell of every chapter: in Colab, install the book's pinned release.

One setting says where the book lives: ``repository.url`` in ``_config.yml``, which the
website's launch buttons (Binder, Colab, the repository link) use as well. The release is
pinned to the tag ``v<version>`` of ``pyproject.toml``'s version, never a branch, so a
notebook opened in Colab installs the bpkit it was executed with.

    python tools/colab_cell.py --check    # exit 1 and name every chapter that differs
    python tools/colab_cell.py --write    # rewrite the cell in every chapter
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import tomllib

import nbformat
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]


def repository_url() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"].rstrip("/")


def release_tag() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return f"v{project['version']}"


def expected_cell() -> str:
    return ("import sys\n"
            "if \"google.colab\" in sys.modules:  # in Colab, install the book's release\n"
            f"    %pip install --quiet \"bpkit-book[book] @ git+{repository_url()}"
            f"@{release_tag()}\"")


def install_cell(nb):
    """The chapter's install cell: the first code cell."""
    return next(c for c in nb.cells if c.cell_type == "code")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    wrong = []
    for path in sorted((ROOT / "book").glob("ch*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cell = install_cell(nb)
        if cell.source != expected_cell():
            wrong.append(path.name)
            if args.write:
                cell.source = expected_cell()
                nbformat.write(nb, path)
    if args.check and wrong:
        print("the Colab install cell differs from tools/colab_cell.py's in: "
              + ", ".join(wrong), file=sys.stderr)
        return 1
    print(f"{'rewrote' if args.write else 'checked'}: {', '.join(wrong) or 'nothing to do'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
