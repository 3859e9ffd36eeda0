"""Data loading and retrieval metrics for the MedSearch CNN feature (see docs/cnn.md).

Reads only ../shared/data (never downloads). Images are 8-bit grayscale PNGs scaled to 0...1 floats,
exactly as the Swift side's GrayImage holds them.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("MEDSEARCH_SHARED_DATA", REPO.parent / "shared" / "data"))
CACHE = Path(os.environ.get("MEDSEARCH_CNN_CACHE", "/tmp/cnn-cache"))

PAPER_CLASSES = ["Atelectasis", "Infiltration", "Cardiomegaly", "Effusion"]
FINDINGS = ["Atelectasis", "Infiltration", "Cardiomegaly", "Effusion", "Consolidation", "Edema",
            "Emphysema", "Fibrosis", "Hernia", "Mass", "Nodule", "Pleural_Thickening", "Pneumonia",
            "Pneumothorax"]
KERMANY_CLASSES = ["Normal", "Pneumonia-Bacterial", "Pneumonia-Viral"]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _load_pngs(folder: Path, ids: list[str]) -> np.ndarray:
    out = np.zeros((len(ids), 128, 128), dtype=np.uint8)
    for i, ident in enumerate(ids):
        img = Image.open(folder / f"{ident}.png").convert("L")
        if img.size != (128, 128):
            raise ValueError(f"{ident}: expected 128x128, got {img.size}")
        out[i] = np.asarray(img, dtype=np.uint8)
    return out


def _cached_dataset(root: Path, cache_name: str) -> tuple[list[dict[str, str]], list[str], np.ndarray]:
    """A labelled folder's rows (labels.csv), ids and images (images/<id>.png), the images cached in CACHE."""
    cache = CACHE / cache_name
    rows = _read_csv(root / "labels.csv")
    ids = [r["id"] for r in rows]
    if cache.exists():
        images = np.load(cache)["images"]
    else:
        images = _load_pngs(root / "images", ids)
        CACHE.mkdir(parents=True, exist_ok=True)
        np.savez(cache, images=images)
    return rows, ids, images


def load_cxr_public() -> dict:
    """All 1,132 cxr-public images (uint8 128x128), 14-finding multi-hot, patient ids, native widths."""
    rows, ids, images = _cached_dataset(SHARED / "cxr-public", "cxr-public.npz")
    labels = np.zeros((len(rows), len(FINDINGS)), dtype=np.float32)
    for i, r in enumerate(rows):
        for lab in r["labels"].split("|"):
            if lab in FINDINGS:
                labels[i, FINDINGS.index(lab)] = 1
    return {
        "ids": ids,
        "images": images,
        "labels": labels,
        "patients": np.array([int(r["patient_id"]) for r in rows]),
        "native_width": np.array([int(r["native_width"]) for r in rows]),
    }


def load_kermany() -> dict:
    """The 4,836 cxr-extra/kermany-pneumonia images with their 3-way fine label."""
    rows, ids, images = _cached_dataset(SHARED / "cxr-extra" / "kermany-pneumonia", "kermany.npz")
    return {"ids": ids, "images": images,
            "labels": np.array([KERMANY_CLASSES.index(r["fine_label"]) for r in rows])}


def load_pmnist() -> dict:
    d = np.load(SHARED / "pneumoniamnist" / "pneumoniamnist.npz")
    return {k: d[k] for k in d.files}


def patient_folds(patients: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Fold index per image; all images of one patient share a fold (shuffled with numpy seed)."""
    uniq = np.unique(patients)
    rng = np.random.RandomState(seed)
    rng.shuffle(uniq)
    fold_of = {p: i % k for i, p in enumerate(uniq)}
    return np.array([fold_of[p] for p in patients])


def precision_at_k(query_emb: np.ndarray, query_lab: np.ndarray, db_emb: np.ndarray, db_lab: np.ndarray,
                   k: int = 10, leave_one_out: bool = False, metric: str = "l2") -> tuple[float, np.ndarray]:
    """Mean over classes of P@k as in issue #3: per class c, mean over queries labelled c of hits/k.

    Ranking by squared Euclidean distance (ties by database index). With leave_one_out the query i is
    database item i and is excluded. Returns (mean P@k, per-class P@k).
    """
    q = query_emb.astype(np.float64)
    d = db_emb.astype(np.float64)
    dist = (q * q).sum(1)[:, None] + (d * d).sum(1)[None, :] - 2 * q @ d.T
    if leave_one_out:
        np.fill_diagonal(dist, np.inf)
    order = np.argsort(dist, axis=1, kind="stable")[:, :k]
    hits = db_lab[order]  # (nq, k, C)
    per_class = []
    for c in range(query_lab.shape[1]):
        sel = query_lab[:, c] > 0
        per_class.append(hits[sel, :, c].mean() if sel.any() else np.nan)
    per_class = np.array(per_class)
    return float(np.nanmean(per_class)), per_class
