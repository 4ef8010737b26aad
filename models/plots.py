"""Pictures and tables of a trained model for its MLflow run (training path only)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd


def write_report(trained, folder: Path, shap_rows: int = 1000) -> None:
    """PR curve, calibration curve, SHAP summary, feature importance, training-set summary."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import shap
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import precision_recall_curve

    folder.mkdir(parents=True, exist_ok=True)
    valid = trained.training_set.validation
    label, score = valid["label"].to_numpy(), trained.validation_score

    precision, recall, _ = precision_recall_curve(label, score)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(recall, precision)
    ax.set(xlabel="recall", ylabel="precision", title=f"PR curve, PR-AUC {trained.metrics['pr_auc']:.3f}")
    fig.savefig(folder / "pr_curve.png", dpi=100, bbox_inches="tight")
    plt.close(fig)

    observed, predicted = calibration_curve(label, score, n_bins=10, strategy="quantile")
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot([0, 1], [0, 1], linestyle=":", color="grey")
    ax.plot(predicted, observed, marker="o")
    ax.set(xlabel="risk_score", ylabel="share with a distillation verdict",
           title=f"Calibration, Brier {trained.metrics['brier']:.4f}")
    fig.savefig(folder / "calibration_curve.png", dpi=100, bbox_inches="tight")
    plt.close(fig)

    sample = valid.head(shap_rows)
    values = trained.training_set.matrix(sample)
    contrib = trained.booster.predict(values, pred_contrib=True)
    shap.summary_plot(contrib[:, :-1], pd.DataFrame(values, columns=trained.feature_names), show=False)
    plt.savefig(folder / "shap_summary.png", dpi=100, bbox_inches="tight")
    plt.close("all")

    pd.DataFrame({
        "feature": trained.feature_names,
        "gain": trained.booster.feature_importance("gain"),
        "split": trained.booster.feature_importance("split"),
        "mean_abs_shap": np.abs(contrib[:, :-1]).mean(axis=0),
    }).sort_values("gain", ascending=False).to_csv(folder / "feature_importance.csv", index=False)

    (folder / "training_set.json").write_text(json.dumps(trained.training_set.summary(), indent=2))
