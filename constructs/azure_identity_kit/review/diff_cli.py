"""azure-identity-kit-diff: what a change to the constructs does to the synthesized stacks.

Synthesizes the working tree and a base commit (default: the merge base with `main`), the base
in a temporary detached `git worktree` so the working tree is never touched, and compares the
two outdirs stack by stack with the same rules as the plan review. No Terraform, no Azure.
`--base-dir/--head-dir` compare two outdirs that are already synthesized.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..access_map.build import build
from ..access_map.changes import compare as compare_access
from ._cli import add_output_options, finish, guarded
from .model import InputError, Review
from .synth_diff import diff_outdirs, load_outdir

PROG = "azure-identity-kit-diff"


def _git(*args: str, cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise InputError("git is not installed") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise InputError(f"git {' '.join(args)}: {last}")
    return done.stdout.strip()


def default_base(repo: Path) -> tuple[str, str]:
    """(label, commit): `git merge-base HEAD main`, or HEAD when there is no main branch."""
    try:
        _git("rev-parse", "--verify", "--quiet", "HEAD^{commit}", cwd=repo)
    except InputError:
        raise InputError("the repository has no commits yet; nothing to compare with") from None
    try:
        _git("rev-parse", "--verify", "--quiet", "main^{commit}", cwd=repo)
    except InputError:
        return "HEAD (no main branch)", _git("rev-parse", "HEAD", cwd=repo)
    return "merge base with main", _git("merge-base", "HEAD", "main", cwd=repo)


def synthesize(tree: Path, outdir: Path, label: str) -> None:
    """Run `<python> main.py` in tree with CDKTF_OUTDIR=outdir and tree/constructs first on
    PYTHONPATH, so each tree imports its own construct code rather than the editable install."""
    if not (tree / "main.py").is_file():
        raise InputError(f"{label}: no main.py in {tree}")
    env = dict(os.environ, CDKTF_OUTDIR=str(outdir))
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(tree / "constructs"), os.environ.get("PYTHONPATH", "")) if p
    )
    done = subprocess.run(
        [sys.executable, "main.py"], cwd=tree, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise InputError(f"synthesizing {label} failed (exit {done.returncode}): {last}")


def synthesize_both(repo: Path, base: str, work: Path) -> tuple[Path, Path]:
    head_out, base_out, tree = work / "head", work / "base", work / "base-tree"
    synthesize(repo, head_out, "the working tree")
    _git("worktree", "add", "--detach", "--quiet", str(tree), base, cwd=repo)
    try:
        if (tree / "main.py").is_file():
            synthesize(tree, base_out, f"base {base[:12]}")
        else:  # the base predates the app: everything is new
            base_out.mkdir()
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(tree)], cwd=repo, capture_output=True
        )
        subprocess.run(["git", "worktree", "prune"], cwd=repo, capture_output=True)
    return base_out, head_out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Compare the synthesized stacks of the working tree with a base commit and "
        "flag identity and access risks. Needs no Azure access and no Terraform.",
    )
    parser.add_argument("--base", help="git ref to compare with (default: merge base with main)")
    parser.add_argument("--base-dir", help="an already synthesized outdir to use as the base")
    parser.add_argument("--head-dir", help="an already synthesized outdir to use as the head")
    add_output_options(parser, fail_on="none")
    args = parser.parse_args(argv)
    if bool(args.base_dir) != bool(args.head_dir):
        parser.error("--base-dir and --head-dir go together")
    if args.base_dir and args.base:
        parser.error("--base cannot be combined with --base-dir/--head-dir")

    def run() -> int:
        if args.base_dir:
            base_dir, head_dir = Path(args.base_dir), Path(args.head_dir)
            return compare(load_outdir(base_dir), load_outdir(head_dir), f"{base_dir} → {head_dir}")
        repo = Path(_git("rev-parse", "--show-toplevel", cwd=Path.cwd()))
        if args.base:
            label = args.base
            base_sha = _git("rev-parse", "--verify", f"{args.base}^{{commit}}", cwd=repo)
        else:
            label, base_sha = default_base(repo)
        work = Path(tempfile.mkdtemp(prefix="aik-diff-"))
        try:
            base_out, head_out = synthesize_both(repo, base_sha, work)
            title = f"{label} ({base_sha[:12]}) → working tree"
            return compare(load_outdir(base_out), load_outdir(head_out), title)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def compare(base: dict[str, Any], head: dict[str, Any], label: str) -> int:
        changes, flags, added, removed = diff_outdirs(base, head)
        review = Review(f"Synthesized stacks: {label}", changes, flags, added, removed)
        review.access = [
            compare_access(name, build(name, base.get(name, {})), build(name, head.get(name, {})))
            for name in sorted(set(base) | set(head))
        ]
        review.notes.append(
            "Replacements are inferred from attributes azurerm cannot update in place; "
            "`terraform plan` is authoritative."
        )
        return finish(review, args)

    return guarded(PROG, run)


if __name__ == "__main__":
    raise SystemExit(main())
