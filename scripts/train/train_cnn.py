"""Train the MedSearch CNN embedding (docs/cnn.md has the exact commands, seeds and results).

Two separate models:
  --task cxr     chest X-ray retrieval model (cnn-cxr-v1): multi-task training on cxr-public (all fourteen NIH
                 findings, multi-label BCE) + cxr-extra/kermany-pneumonia (3-way normal/bacterial/viral CE).
                 --folds K --fold F trains on every cxr-public patient NOT in fold F (+ kermany) and writes
                 embeddings of all images so retrieval can be scored with queries the model never saw.
                 --fold -1 trains on everything (the shipped model).
  --task pmnist  PneumoniaMNIST model (cnn-pmnist-v1): trained on the PneumoniaMNIST train split only (never
                 cxr-extra, which holds the same source images); scored with test queries against train.

CPU only, deterministic for a given --seed and thread count (torch.use_deterministic_algorithms).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import cnn_data as D
import cnn_export as E

# ---------------------------------------------------------------------------------------------- architecture

ARCHS = {
    # (kind, args): c = conv3x3(out, stride) + BN + ReLU, m = maxpool2, a = avgpool2
    # cxr: 128x128 input averaged 2x2 to 64x64 (the "pre" pooling is applied to the data once in training and
    # exported as the model's first layer), then ~5.9 M multiply-adds per image.
    "cxr-v1": dict(side=128, pre=2, layers=[("c5", 16, 2), ("c", 32, 2), ("c", 64, 2), ("c", 128, 2),
                                            ("c", 128, 1)], dim=64),
    # as cxr-v1, but the last 4x4x128 map is flattened into the linear layer (keeps the spatial layout).
    "cxr-v2": dict(side=128, pre=2, layers=[("c5", 16, 2), ("c", 32, 2), ("c", 64, 2), ("c", 128, 2),
                                            ("c", 128, 1)], dim=64, flatten=4),
    # pmnist: 28x28 input.
    "pmnist-v1": dict(side=28, pre=1, layers=[("c", 16, 1), ("m",), ("c", 32, 1), ("m",), ("c", 64, 1), ("c", 64, 1)],
                      dim=32),
    # as pmnist-v1, with the 7x7x64 map max-pooled to 3x3 and flattened into the linear layer.
    "pmnist-v2": dict(side=28, pre=1, layers=[("c", 16, 1), ("m",), ("c", 32, 1), ("m",), ("c", 64, 1), ("c", 64, 1),
                                              ("m",)], dim=32, flatten=3),
}


class EmbeddingNet(nn.Module):
    def __init__(self, arch: str, n_multilabel: int, n_classes: int):
        super().__init__()
        spec = ARCHS[arch]
        layers: list[nn.Module] = []
        cin = 1
        for item in spec["layers"]:
            if item[0] == "a":
                layers.append(nn.AvgPool2d(item[1]))
            elif item[0] == "m":
                layers.append(nn.MaxPool2d(2))
            else:
                kind, cout, stride = item
                k = 5 if kind == "c5" else 3
                layers += [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False), nn.BatchNorm2d(cout),
                           nn.ReLU()]
                cin = cout
        if spec.get("flatten"):
            layers += [nn.Flatten(), nn.Linear(cin * spec["flatten"] ** 2, spec["dim"])]
        else:
            layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, spec["dim"])]
        self.body = nn.Sequential(*layers)
        self.multilabel = nn.Linear(spec["dim"], n_multilabel) if n_multilabel else None
        self.classes = nn.Linear(spec["dim"], n_classes) if n_classes else None

    def forward(self, x):
        return self.body(x)


def macs(arch: str) -> int:
    spec = ARCHS[arch]
    side, cin, total = spec["side"] // spec["pre"], 1, 0
    for item in spec["layers"]:
        if item[0] in "am":
            side //= 2
        else:
            kind, cout, stride = item
            k = 5 if kind == "c5" else 3
            side = (side - 1) // stride + 1
            total += side * side * cout * cin * k * k
            cin = cout
    return total + cin * spec.get("flatten", 1) ** 2 * spec["dim"]

# ---------------------------------------------------------------------------------------------- augmentation


def augment(x: torch.Tensor, gen: torch.Generator, strength: float) -> torch.Tensor:
    """Random affine (rotation, scale, translation), gamma and contrast jitter; x is (B,1,H,W) in 0...1."""
    b = x.shape[0]
    r = lambda lo, hi: torch.rand(b, generator=gen) * (hi - lo) + lo  # noqa: E731
    angle = r(-10, 10) * strength * math.pi / 180
    scale = 1 / r(1 - 0.15 * strength, 1 + 0.15 * strength)
    tx, ty = r(-0.08, 0.08) * strength, r(-0.08, 0.08) * strength
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    gamma = torch.exp(r(-0.25, 0.25) * strength).view(b, 1, 1, 1)
    x = x.clamp(1e-4, 1) ** gamma
    contrast = r(1 - 0.2 * strength, 1 + 0.2 * strength).view(b, 1, 1, 1)
    mean = x.mean(dim=(2, 3), keepdim=True)
    return ((x - mean) * contrast + mean).clamp(0, 1)


def supcon_loss(z: torch.Tensor, labels: torch.Tensor, temperature: float) -> torch.Tensor:
    """Supervised contrastive loss (Khosla et al. 2020) with multi-label positives (share >= 1 label).

    Rows with no label take part only as negatives.
    """
    z = F.normalize(z, dim=1)
    sim = z @ z.T / temperature
    n = z.shape[0]
    eye = torch.eye(n, dtype=torch.bool)
    pos = ((labels @ labels.T) > 0) & ~eye
    sim = sim.masked_fill(eye, -1e9)
    log_prob = sim - torch.logsumexp(sim, dim=1, keepdim=True)
    count = pos.sum(1)
    valid = count > 0
    if not valid.any():
        return z.sum() * 0
    loss = -(log_prob * pos).sum(1)[valid] / count[valid]
    return loss.mean()

# ---------------------------------------------------------------------------------------------- training


def to_tensor(images: np.ndarray, pre: int = 1) -> torch.Tensor:
    """uint8 images -> (N,1,H,W) floats in 0...1, average-pooled pre x pre (the model's first layer)."""
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    return F.avg_pool2d(x, pre) if pre > 1 else x


def train(args, x_ml, y_ml, x_cls, y_cls, arch: str) -> EmbeddingNet:
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    net = EmbeddingNet(arch, y_ml.shape[1] if y_ml is not None else 0, args.n_classes)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=args.wd)
    steps_per_epoch = max(1, (len(x_ml) if x_ml is not None else 0) // args.batch) if x_ml is not None \
        else max(1, len(x_cls) // args.batch)
    total = args.epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total, pct_start=0.15)
    mean, std = args.mean, args.std
    step = 0
    for epoch in range(args.epochs):
        net.train()
        t0 = time.time()
        perm_ml = torch.randperm(len(x_ml), generator=gen) if x_ml is not None else None
        losses = []
        for it in range(steps_per_epoch):
            loss = torch.zeros(())
            if x_ml is not None:
                idx = perm_ml[it * args.batch:(it + 1) * args.batch]
                xb = augment(x_ml[idx], gen, args.aug)
                yb = y_ml[idx]
                z = net((xb - mean) / std)
                weight = torch.ones(yb.shape[1])
                weight[:args.supcon_classes] = args.paper_weight
                loss = loss + F.binary_cross_entropy_with_logits(net.multilabel(z), yb, weight=weight,
                                                                 pos_weight=args.pos_weight)
                if args.supcon > 0:
                    loss = loss + args.supcon * supcon_loss(z, yb[:, :args.supcon_classes], args.temperature)
            if x_cls is not None and args.cls_weight > 0:
                idx = torch.randint(0, len(x_cls), (args.cls_batch,), generator=gen)
                xb = augment(x_cls[idx], gen, args.aug)
                z = net((xb - mean) / std)
                yb = y_cls[idx]
                if args.cls_loss == "ce":
                    loss = loss + args.cls_weight * F.cross_entropy(net.classes(z), yb)
                else:
                    onehot = F.one_hot(yb, args.n_classes).float()
                    loss = loss + args.cls_weight * (F.cross_entropy(net.classes(z), yb)
                                                     + supcon_loss(z, onehot, args.temperature))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            losses.append(loss.item())
        if args.verbose:
            print(f"  epoch {epoch + 1}/{args.epochs} loss {np.mean(losses):.4f} ({time.time() - t0:.1f}s)",
                  flush=True)
    return net.eval()


@torch.no_grad()
def embed(net: EmbeddingNet, x: torch.Tensor, mean: float, std: float) -> dict[str, np.ndarray]:
    """Embedding (the shipped output, L2-normalised) plus alternative read-outs for comparison."""
    outs = {"emb": [], "ml": []}
    for i in range(0, len(x), 256):
        z = net((x[i:i + 256] - mean) / std)
        outs["emb"].append(F.normalize(z, dim=1).numpy())
        if net.multilabel is not None:
            outs["ml"].append(net.multilabel(z).numpy())
    res = {k: np.concatenate(v) for k, v in outs.items() if v}
    if "ml" in res:
        res["ml4"] = res["ml"][:, :4]
    return res


def run_cxr(args):
    cxr = D.load_cxr_public()
    pre = ARCHS[args.arch]["pre"]
    x_all = to_tensor(cxr["images"], pre)
    y_all = torch.from_numpy(cxr["labels"])
    folds = D.patient_folds(cxr["patients"], args.folds, args.fold_seed)
    kerm = D.load_kermany() if args.kermany else None
    x_k = to_tensor(kerm["images"], pre) if kerm else None
    y_k = torch.from_numpy(kerm["labels"]).long() if kerm else None
    train_mask = folds != args.fold if args.fold >= 0 else np.ones(len(folds), bool)
    print(f"cxr fold {args.fold}/{args.folds}: {train_mask.sum()} cxr-public training images, "
          f"{0 if x_k is None else len(x_k)} kermany; arch {args.arch} ({macs(args.arch) / 1e6:.2f} M MAC)", flush=True)
    t0 = time.time()
    net = train(args, x_all[train_mask], y_all[train_mask], x_k, y_k, args.arch)
    print(f"trained in {time.time() - t0:.0f}s", flush=True)
    outs = embed(net, x_all, args.mean, args.std)
    return net, outs, folds


def score_fold(outs, cxr, folds, fold, db):
    """Per-query hit counts at k=10 for the database queries of one fold (queries unseen by the model)."""
    labels = cxr["labels"][:, :4]
    res = {}
    for key, emb in outs.items():
        e = emb[db]
        lab = labels[db]
        q = np.where(folds[db] == fold)[0] if fold >= 0 else np.arange(len(e))
        dist = ((e[q, None, :] - e[None, :, :]) ** 2).sum(-1)
        dist[np.arange(len(q)), q] = np.inf
        order = np.argsort(dist, axis=1, kind="stable")[:, :10]
        res[key] = (q, lab[order].sum(1))  # (query index in db, hits per class)
    return res


def report(hits_by_key, cxr, db, subset=None):
    labels = cxr["labels"][:, :4][db]
    lines = {}
    for key, (q, hits) in hits_by_key.items():
        per = []
        for c in range(4):
            sel = labels[q, c] > 0
            if subset is not None:
                sel &= subset[q]
            per.append(hits[sel, c].mean() / 10)
        lines[key] = (float(np.mean(per)), [round(float(p), 4) for p in per])
    return lines


FIXTURES = os.path.join(D.REPO, "Tests", "MedSearchFeaturesTests", "CNNReference.json")


def write_fixtures(net: EmbeddingNet, name: str, side: int, pre: int, mean: float, std: float,
                   images: list[tuple[str, np.ndarray]], path: str = FIXTURES):
    """Store the PyTorch module's (BatchNorm not folded) embeddings of a few inputs for the Swift tests."""
    import base64
    data = json.load(open(path)) if os.path.exists(path) else {}
    data.setdefault("models", {})
    cases = []
    with torch.no_grad():
        for source, img in images:
            assert img.shape == (side, side) and img.dtype == np.uint8
            x = to_tensor(img[None], pre)
            z = net.body((x - mean) / std).double()
            cases.append({"source": source, "pixels_base64": base64.b64encode(img.tobytes()).decode(),
                          "raw": [round(float(v), 7) for v in z[0]],
                          "embedding": [round(float(v), 7) for v in F.normalize(z, dim=1)[0]]})
    data["models"][name] = {"input_side": side, "cases": cases,
                            "note": "outputs of the PyTorch module in eval mode (train_cnn.py), uint8 inputs / 255"}
    with open(path, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")


def synthetic(side: int) -> np.ndarray:
    """A deterministic test pattern: diagonal gradient plus a bright disc."""
    yy, xx = np.mgrid[0:side, 0:side]
    img = (xx + yy) * 255.0 / (2 * side - 2)
    img[(yy - side * 0.4) ** 2 + (xx - side * 0.6) ** 2 < (side * 0.2) ** 2] = 250
    return img.astype(np.uint8)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--task", choices=["cxr", "pmnist"], required=True)
    p.add_argument("--arch", default=None)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--fold", type=int, default=-2, help="-2: all folds in turn (evaluation); -1: train on all")
    p.add_argument("--fold-seed", type=int, default=20240611)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--cls-batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--wd", type=float, default=1e-3)
    p.add_argument("--aug", type=float, default=1.0)
    p.add_argument("--pos-weight", type=float, default=None)
    p.add_argument("--supcon", type=float, default=0.0)
    p.add_argument("--pm-trainval", type=int, default=0, help="pmnist: also train on the val split")
    p.add_argument("--paper-weight", type=float, default=1.0, help="BCE weight of the four paper findings")
    p.add_argument("--supcon-classes", type=int, default=4)
    p.add_argument("--temperature", type=float, default=0.2)
    p.add_argument("--kermany", type=int, default=1)
    p.add_argument("--cls-weight", type=float, default=0.5)
    p.add_argument("--cls-loss", choices=["ce", "ce+supcon"], default="ce")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default=None, help="export the model (.msw) here")
    p.add_argument("--name", default=None)
    p.add_argument("--save-embeddings", default=None)
    p.add_argument("--verbose", type=int, default=0)
    p.add_argument("--fixtures", type=int, default=0, help="also write Tests/.../CNNReference.json cases")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    args.pos_weight = torch.tensor(args.pos_weight) if args.pos_weight else None

    if args.task == "pmnist":
        run_pmnist(args)
        return
    args.arch = args.arch or "cxr-v1"
    args.mean, args.std = 0.5, 0.25
    args.n_classes = 3 if args.kermany else 0
    cxr = D.load_cxr_public()
    db = cxr["labels"][:, :4].sum(1) > 0
    hires = cxr["native_width"][db] != 64
    if args.fold == -2:
        merged: dict[str, list] = {}
        per_fold: dict[str, np.ndarray] = {}
        for fold in range(args.folds):
            args.fold = fold
            net, outs, folds = run_cxr(args)
            for key, value in outs.items():
                per_fold[f"{key}_fold{fold}"] = value
            per_fold["folds"] = folds
            if args.save_embeddings:
                np.savez(args.save_embeddings, **per_fold)
            for key, (q, hits) in score_fold(outs, cxr, folds, fold, db).items():
                merged.setdefault(key, []).append((q, hits))
            merged_now = {k: (np.concatenate([a for a, _ in v]), np.concatenate([b for _, b in v]))
                          for k, v in merged.items()}
            print(f"after fold {fold}: " + json.dumps(report(merged_now, cxr, db)), flush=True)
        final = {k: (np.concatenate([a for a, _ in v]), np.concatenate([b for _, b in v])) for k, v in merged.items()}
        result = {"all": report(final, cxr, db), "native_width!=64": report(final, cxr, db, hires)}
        print("RESULT " + json.dumps({"args": {k: (v if not torch.is_tensor(v) else float(v))
                                               for k, v in vars(args).items()}, **result}), flush=True)
        return
    net, outs, folds = run_cxr(args)
    if args.fold == -1:
        res = report(score_fold(outs, cxr, folds, -1, db), cxr, db)
        print("IN-SAMPLE (trained on the queries, not a valid figure): " + json.dumps(res), flush=True)
    if args.save_embeddings:
        np.savez(args.save_embeddings, **outs, folds=folds)
    if args.out:
        spec = ARCHS[args.arch]
        name = args.name or "cnn-cxr-v1"
        size = E.export(net.body, args.out, name, spec["side"], args.mean, args.std, pre=spec["pre"])
        torch.save(net.state_dict(), args.out + ".pt")
        print(f"exported {args.out} ({size} bytes)")
        if args.fixtures:
            ids = ["cxr14_00000001_000", "cxr14_00000002_000"]
            imgs = [(f"cxr-public {i}", cxr["images"][cxr["ids"].index(i)]) for i in ids]
            write_fixtures(net, name, spec["side"], spec["pre"], args.mean, args.std,
                           imgs + [("synthetic gradient + disc", synthetic(spec["side"]))])


def run_pmnist(args):
    args.arch = args.arch or "pmnist-v1"
    d = D.load_pmnist()
    xtr, ytr = to_tensor(d["train_images"]), torch.from_numpy(d["train_labels"][:, 0]).long()
    # Training set: the train split, plus the val split with --pm-trainval 1 (never the test split, never cxr-extra).
    # The retrieval database is always the train split only.
    if args.pm_trainval:
        x_fit = torch.cat([xtr, to_tensor(d["val_images"])])
        y_fit = torch.cat([ytr, torch.from_numpy(d["val_labels"][:, 0]).long()])
    else:
        x_fit, y_fit = xtr, ytr
    xte, yte = to_tensor(d["test_images"]), d["test_labels"][:, 0]
    args.mean, args.std = 0.5, 0.25
    args.n_classes = 2
    # Single-label task: the "multilabel" branch is a one-hot BCE over the two classes plus optional SupCon.
    y_ml = F.one_hot(y_fit, 2).float()
    args.supcon_classes = 2
    t0 = time.time()
    net = train(args, x_fit, y_ml, x_fit, y_fit, args.arch)
    print(f"trained in {time.time() - t0:.0f}s", flush=True)
    etr = embed(net, xtr, args.mean, args.std)
    ete = embed(net, xte, args.mean, args.std)
    oh_tr, oh_te = np.eye(2)[ytr.numpy()], np.eye(2)[yte]
    res = {k: D.precision_at_k(ete[k], oh_te, etr[k], oh_tr, 10) for k in etr}
    print("RESULT pmnist test->train P@10 " + json.dumps({k: (round(v[0], 4), v[1].round(4).tolist())
                                                          for k, v in res.items()}), flush=True)
    if args.out:
        name = args.name or "cnn-pmnist-v1"
        size = E.export(net.body, args.out, name, ARCHS[args.arch]["side"], args.mean, args.std)
        torch.save(net.state_dict(), args.out + ".pt")
        print(f"exported {args.out} ({size} bytes)")
        if args.fixtures:
            imgs = [(f"pneumoniamnist test[{i}]", d["test_images"][i]) for i in (0, 1)]
            write_fixtures(net, name, 28, 1, args.mean, args.std, imgs + [("synthetic gradient + disc", synthetic(28))])


if __name__ == "__main__":
    main()
