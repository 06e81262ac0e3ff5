"""Fit the weights of ``transforms.boilerplate`` and cross-validate them.

Usage::

    .venv/bin/python bench/fit_boilerplate.py /work/shared/benchmarks/boilerplate/dev.jsonl
    .venv/bin/python bench/fit_boilerplate.py PATH --folds 5 --no-final   # CV figures only

Deterministic: no random numbers (folds are ``row index % k``, the solver is Newton's method
from zero weights), so two runs print the same figures and the same weights.

Procedure (see docs/boilerplate.md):

1. Every page goes through the module's own passes (``_page_facts``, the sparse language detection
   of ``strip_boilerplate``, ``_prepare``), so the features are exactly the shipped ones.
2. Line labels: a line containing a ``keep`` passage is 1, one containing a ``drop`` passage is
   0 (whitespace collapsed); lines with both, lines without a passage and lines whose verdict
   is forced (cue, outlet chrome, language switch, title, duplicate) are not trained on.
3. Stage 1 (``_MODEL.line``): L2-regularised (3e-4) logistic regression on ``_line_features``.
4. Stage 2 (``_MODEL.context``): logistic regression on ``_context_features``, computed from
   *out-of-fold* stage-1 scores (inner k-fold over the training pages; stacking), so stage 2
   learns how much to trust stage-1 scores it has not been fitted on.
5. Cross-validation: for each of k folds, fit both stages on the other folds and score the
   held-out pages with the benchmark metric (``bench/boilerplate.py``: keep passage found in
   the output = TP, drop passage found = FP) on the real ``strip_boilerplate`` output. The
   pooled held-out P/R/F1 is the figure to quote; nothing is tuned on the rows it scores.
6. Final weights: both stages fitted on all rows (stage 2 on 5-fold out-of-fold stage-1
   scores), printed as Python to paste over ``_MODEL`` in the module.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from boilerplate import Row, Score, load_rows, score

from transforms import boilerplate as bp

_SPACES = re.compile(r"\s+")
Array = NDArray[np.float64]


@dataclass
class PageData:
    row: Row
    lines: list[str]
    page: bp._Page
    line_x: Array  # stage-1 features, one row per line
    labels: NDArray[np.int8]  # 1 body, 0 boilerplate, -1 not trained on


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _labels(lines: Sequence[str], row: Row, page: bp._Page) -> NDArray[np.int8]:
    collapsed = [_collapse(line) for line in lines]
    keep = [_collapse(p) for p in row.keep]
    drop = [_collapse(p) for p in row.drop]
    labels = np.full(len(lines), -1, dtype=np.int8)
    for i, line in enumerate(collapsed):
        if page.reasons[i] is not None:
            continue
        is_keep = any(p and p in line for p in keep)
        is_drop = any(p and p in line for p in drop)
        if is_keep != is_drop:
            labels[i] = 1 if is_keep else 0
    return labels


def prepare(rows: Sequence[Row]) -> list[PageData]:
    detector = bp._default_detector()
    pages = []
    for row in rows:
        lines = [line for line in row.text.splitlines() if line.strip()]
        if not lines:
            continue
        facts = bp._page_facts(lines)
        languages, main_language = bp._sparse_languages(facts, detector)
        page = bp._prepare(facts, languages, main_language, frozenset())
        line_x = bp._line_features(page)
        pages.append(PageData(row, lines, page, line_x, _labels(lines, row, page)))
    return pages


def fit_logistic(x: Array, y: Array, l2: float, iterations: int = 50) -> Array:
    """L2-regularised logistic regression (bias = column 0, not penalised), Newton's method."""
    n, d = x.shape
    w = np.zeros(d)
    penalty = np.full(d, l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ (p - y) / n + penalty * w
        hess = (x.T * (p * (1 - p))) @ x / n + np.diag(penalty) + 1e-9 * np.eye(d)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return w


def _training_set(pages: Sequence[PageData], xs: Sequence[Array]) -> tuple[Array, Array]:
    mask = [p.labels >= 0 for p in pages]
    x = np.vstack([x[m] for x, m in zip(xs, mask, strict=True)])
    y = np.concatenate([p.labels[m] for p, m in zip(pages, mask, strict=True)]).astype(float)
    return x, y


def _context_x(page: PageData, first: Array) -> Array:
    return bp._context_features(page.page, first)


@dataclass(frozen=True)
class Fitted:
    line: Array
    context: Array


def fit(pages: Sequence[PageData], l2: float, inner_folds: int) -> Fitted:
    line_w = fit_logistic(*_training_set(pages, [p.line_x for p in pages]), l2)
    # Out-of-fold stage-1 scores for the stage-2 training set (stacking).
    first: list[Array] = [np.zeros(0)] * len(pages)
    for fold in range(inner_folds):
        train = [p for i, p in enumerate(pages) if i % inner_folds != fold]
        w = fit_logistic(*_training_set(train, [p.line_x for p in train]), l2)
        for i in range(fold, len(pages), inner_folds):
            first[i] = pages[i].line_x @ w
    context_xs = [_context_x(p, s) for p, s in zip(pages, first, strict=True)]
    context_w = fit_logistic(*_training_set(pages, context_xs), l2)
    return Fitted(line_w, context_w)


def outputs(pages: Sequence[PageData], model: Fitted, *, stage2: bool = True) -> list[str]:
    texts = []
    for p in pages:
        first = p.line_x @ model.line
        final = _context_x(p, first) @ model.context if stage2 else first
        verdicts = bp._decide(p.page, final)
        texts.append(bp._join_body(p.lines, verdicts))
    return texts


def _add(a: Score, b: Score) -> Score:
    return Score(
        a.true_pos + b.true_pos,
        a.false_neg + b.false_neg,
        a.false_pos + b.false_pos,
        a.true_neg + b.true_neg,
    )


def cross_validate(
    pages: Sequence[PageData], folds: int, l2: float, inner_folds: int
) -> tuple[Score, Score, list[float]]:
    """Pooled held-out scores (stage 1 only, both stages) and the per-fold F1 of both stages."""
    pooled1 = pooled2 = Score(0, 0, 0, 0)
    per_fold = []
    for fold in range(folds):
        train = [p for i, p in enumerate(pages) if i % folds != fold]
        test = [p for i, p in enumerate(pages) if i % folds == fold]
        model = fit(train, l2, inner_folds)
        rows = [p.row for p in test]
        s1 = score(rows, outputs(test, model, stage2=False))
        s2 = score(rows, outputs(test, model))
        pooled1, pooled2 = _add(pooled1, s1), _add(pooled2, s2)
        per_fold.append(s2.f1)
    return pooled1, pooled2, per_fold


def _fmt(s: Score) -> str:
    return f"P {s.precision:.3f}  R {s.recall:.3f}  F1 {s.f1:.3f}"


def _python(name: str, weights: Array, labels: Sequence[str]) -> str:
    lines = [f"    {name}=("]
    lines += [f"        {w:.3f},  # {label}" for w, label in zip(weights, labels, strict=True)]
    lines.append("    ),")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="benchmark JSONL ({id,text,keep,drop} rows)")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    parser.add_argument("--inner-folds", type=int, default=5, help="folds for stacking")
    parser.add_argument("--l2", type=float, default=3e-4, help="L2 penalty (bias excluded)")
    parser.add_argument("--no-final", action="store_true", help="skip the all-rows fit")
    args = parser.parse_args(argv)

    pages = prepare(load_rows(args.path))
    labelled = sum(int((p.labels >= 0).sum()) for p in pages)
    print(f"pages {len(pages)}  trainable lines {labelled}")
    for folds in sorted({2, args.folds}):
        first, both, per_fold = cross_validate(pages, folds, args.l2, args.inner_folds)
        spread = " ".join(f"{f:.3f}" for f in per_fold)
        print(f"{folds}-fold held-out, stage 1 only: {_fmt(first)}")
        print(f"{folds}-fold held-out, both stages:  {_fmt(both)}  (per fold {spread})")
    if args.no_final:
        return 0
    model = fit(pages, args.l2, args.inner_folds)
    rows = [p.row for p in pages]
    print(f"fitted on all rows, scored on all rows: {_fmt(score(rows, outputs(pages, model)))}")
    print("_MODEL = _Model(")
    print(_python("line", model.line, bp._LINE_FEATURES))
    print(_python("context", model.context, bp._CONTEXT_FEATURES))
    print(")")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
