#!/usr/bin/env python3
"""Reference values for the clustered (robust) Cox variance and the risk ratio of src/stats/.

Writes tests/fixtures/cox_cluster_reference.json, read by the unit tests in src/stats/cox.rs
(`cox_ph_clustered`) and src/stats/proportions.rs (`risk_ratio`), so CI needs only Rust.

Cox with a variance clustered by person (Lin & Wei 1989): V = I^-1 (sum_c U_c U_c') I^-1, U_c the
sum of cluster c's score residuals, I the observed information at the estimate. Two programs:

    R survival   coxph(Surv(time, event) ~ x + cluster(id), ties = "efron"): the robust variance
                 from Efron score residuals (R's coxscore spreads each tied death's weight over
                 Efron's d sub-steps), the residuals udfald uses. No small-sample factor.
    statsmodels  PHReg(..., ties="efron").fit(groups=id): the same sandwich, no small-sample
                 factor either (robust_covariance: inv(H) G'G inv(H)), but its score residuals
                 are Breslow's (one step per time, the full risk set's mean) even with Efron
                 ties. With no tied event times the two residuals are the same thing.

So: where no event times are tied the script asserts that R and statsmodels agree (1e-8), and
both are recorded; with ties R's values are the reference for udfald's variance, and
statsmodels' are recorded as `breslow_residuals` (udfald's tests check its Breslow form against
them, which checks the sandwich and the clustering on tied data through a second program).
statsmodels gives NaN residuals to a row at risk at no event time (censored before the first
event); such a row adds nothing to the fit or the variance (its residual is 0), so it is left
out of statsmodels' input only, and R is given every row.

The risk ratio p1/p2 of two independent proportions with the log-scale Wald (delta-method)
interval and test: statsmodels confint_proportions_2indep / test_proportions_2indep with
compare="ratio", method="log" (var log RR = 1/x1 - 1/n1 + 1/x2 - 1/n2).

Usage (from the repository root; needs `pip install statsmodels` and R with survival, e.g.
`apt-get install r-cran-survival`):

    python3 tests/reference/cox_cluster_reference.py           # (re)write the fixture
    python3 tests/reference/cox_cluster_reference.py --check   # exit 1 if it would change
"""

import argparse
import json
import pathlib
import platform
import subprocess
import sys
import tempfile

import numpy as np
import statsmodels
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    test_proportions_2indep,
)

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "cox_cluster_reference.json"


def rows(spec):
    """(cluster, time, event, covariates...) tuples -> columns."""
    cluster = [r[0] for r in spec]
    time = [float(r[1]) for r in spec]
    event = [bool(r[2]) for r in spec]
    covariates = [[float(r[3 + k]) for r in spec] for k in range(len(spec[0]) - 3)]
    return {"cluster": cluster, "time": time, "event": event, "covariates": covariates}


# No tied event times (a censoring tied with an event at 7): R and statsmodels must agree.
NO_TIES = rows(
    [
        (1, 2, 1, 1), (1, 5, 1, 1), (1, 9, 0, 1),
        (2, 3, 1, 1), (2, 7, 0, 1),
        (3, 1, 1, 0), (3, 4, 1, 0), (3, 6, 1, 0),
        (4, 8, 1, 0),
        (5, 7, 1, 1), (5, 10, 1, 1),
        (6, 11, 0, 0), (6, 12, 1, 0),
    ]
)

# The tiny dataset's spells of paid hours from month 0, every spell (hazard_ratio with
# spells = "all"; src/metrics/hazard_ratio.rs lists them): clusters 1-4 treatment P10, P06, P05,
# P01; 5-8 control P07, P04, P02, P09. Five events tied at month 1, an event and two censorings
# at 3, and P09 censored at 0.
TINY_ALL_SPELLS = rows(
    [
        (1, 1, 1, 1), (1, 1, 1, 1),
        (2, 1, 1, 1), (2, 1, 1, 1),
        (3, 4, 1, 1),
        (4, 5, 0, 1),
        (5, 3, 1, 0), (5, 3, 0, 0),
        (6, 1, 1, 0), (6, 3, 0, 0),
        (7, 4, 0, 0),
        (8, 0, 0, 0),
    ]
)


def two_covariates():
    """40 spells of 12 clusters, an arm constant within a cluster and a spell-level covariate,
    whole-month times 1-8 (ties everywhere), about a third censored. Fixed seed."""
    rng = np.random.RandomState(16)
    spec = []
    for c in range(1, 13):
        arm = c % 2
        frailty = rng.gamma(2.0, 0.5)
        for _ in range(rng.randint(1, 6)):
            z = round(rng.normal(), 2)
            rate = 0.25 * frailty * np.exp(-0.4 * arm + 0.3 * z)
            t = 1 + int(rng.exponential(1 / rate))
            cens = 1 + rng.randint(0, 9)
            spec.append((c, min(t, cens, 8), int(t <= cens and t <= 8), arm, z))
    return rows(spec)


DATASETS = {
    "no_ties": NO_TIES,
    "tiny_all_spells": TINY_ALL_SPELLS,
    "two_covariates": two_covariates(),
}

R_SCRIPT = r"""
library(survival)
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
xs <- setdiff(names(d), c("id", "time", "event"))
f <- as.formula(paste("Surv(time, event) ~", paste(xs, collapse = " + "), "+ cluster(id)"))
fit <- coxph(f, data = d, ties = "efron",
             control = coxph.control(eps = 1e-14, toler.chol = 1e-15, iter.max = 200))
options(digits = 17)
cat(sprintf("%.17g", coef(fit)), "\n")
cat(sprintf("%.17g", as.vector(fit$var)), "\n")
cat(sprintf("%.17g", as.vector(fit$naive.var)), "\n")
cat(sprintf("%.17g", fit$loglik), "\n")
cat(R.version.string, "|", as.character(packageVersion("survival")), "\n")
"""


def r_fit(data):
    with tempfile.TemporaryDirectory() as tmp:
        csv = pathlib.Path(tmp) / "d.csv"
        p = len(data["covariates"])
        with csv.open("w") as f:
            f.write(",".join(["id", "time", "event"] + [f"x{k}" for k in range(p)]) + "\n")
            for i in range(len(data["time"])):
                vals = [data["cluster"][i], data["time"][i], int(data["event"][i])]
                vals += [data["covariates"][k][i] for k in range(p)]
                f.write(",".join(repr(v) for v in vals) + "\n")
        script = pathlib.Path(tmp) / "fit.R"
        script.write_text(R_SCRIPT)
        out = subprocess.run(
            ["Rscript", str(script), str(csv)], check=True, capture_output=True, text=True
        ).stdout.splitlines()
    nums = [[float(v) for v in line.split()] for line in out[:4]]
    return {
        "coef": nums[0],
        "robust_covariance": np.array(nums[1]).reshape(p, p, order="F").tolist(),
        "naive_covariance": np.array(nums[2]).reshape(p, p, order="F").tolist(),
        "log_likelihood": nums[3][1],
    }, out[4].strip()


def statsmodels_fit(data):
    time = np.array(data["time"])
    event = np.array(data["event"], dtype=float)
    x = np.column_stack(data["covariates"])
    groups = np.array(data["cluster"])
    # Rows censored before the first event time: at risk at no event, NaN in statsmodels'
    # residuals, no part of the fit (see the module doc).
    keep = time >= time[event == 1].min()
    model = PHReg(time[keep], x[keep], status=event[keep], ties="efron")
    robust = model.fit(groups=groups[keep])
    naive = model.fit()
    return {
        "coef": robust.params.tolist(),
        "robust_covariance": np.asarray(robust.cov_params()).tolist(),
        "naive_covariance": np.asarray(naive.cov_params()).tolist(),
        "log_likelihood": float(model.loglike(robust.params)),
        "rows_left_out": int((~keep).sum()),
    }


def close(a, b, rel=1e-8):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.all(np.abs(a - b) <= rel * np.maximum(np.abs(b), 1e-12)))


def cox_case(name, data):
    r, r_version = r_fit(data)
    sm = statsmodels_fit(data)
    # Both fit the same Efron likelihood: the estimate and naive variance agree always.
    for key in ["coef", "naive_covariance", "log_likelihood"]:
        assert close(r[key], sm[key]), (name, key, r[key], sm[key])
    tied = any(
        np.sum((np.array(data["time"]) == t) & np.array(data["event"])) > 1
        for t in set(data["time"])
    )
    if not tied:
        assert close(r["robust_covariance"], sm["robust_covariance"]), name
    case = {"dataset": name, **data, "tied_events": tied, **r}
    case["breslow_residuals"] = {
        "robust_covariance": sm["robust_covariance"],
        "rows_left_out": sm["rows_left_out"],
    }
    return case, r_version


# (count1, n1, count2, n2): treatment then control.
RISK_RATIOS = [
    # The tiny dataset, hazard_ratio with estimate = "risk_ratio", horizon = 2 (see there).
    ("tiny_h2", 2, 4, 1, 3),
    ("moderate", 30, 120, 45, 118),
    ("unequal", 7, 20, 2, 31),
    ("equal", 5, 10, 5, 10),
]


def risk_ratio_case(name, x1, n1, x2, n2):
    low, upp = confint_proportions_2indep(x1, n1, x2, n2, compare="ratio", method="log")
    test = test_proportions_2indep(x1, n1, x2, n2, compare="ratio", method="log")
    return {
        "case": name,
        "treatment": [x1, n1],
        "control": [x2, n2],
        "ratio": (x1 / n1) / (x2 / n2),
        "lower": float(low),
        "upper": float(upp),
        "z": float(test.statistic),
        "p_value": float(test.pvalue),
    }


def build():
    cases, r_version = [], None
    for name, data in DATASETS.items():
        case, r_version = cox_case(name, data)
        cases.append(case)
    return {
        "generator": "tests/reference/cox_cluster_reference.py",
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "statsmodels": statsmodels.__version__,
            "R | survival": r_version,
        },
        "cox_clustered": cases,
        "risk_ratio": [risk_ratio_case(*c) for c in RISK_RATIOS],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = json.dumps(build(), indent=1) + "\n"
    if args.check:
        if OUT.read_text() != text:
            print(f"{OUT} would change", file=sys.stderr)
            sys.exit(1)
        return
    OUT.write_text(text)
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
