#!/usr/bin/env python3
"""Reference values for udfald's statistics core (src/stats/), computed with established software.

Builds small fixed datasets (inline below, deterministic), computes the expected values with

    lifelines    Kaplan-Meier: survival, Greenwood variance, log-log ("exponential Greenwood")
                 95% CI, at-risk/event/censored counts; the k-sample log-rank test
    statsmodels  Cox proportional hazards with Efron ties (PHReg), including the score test at
                 beta = 0; Wilson intervals; Newcombe and Wald intervals for a difference of
                 proportions; the pooled two-proportion z-test; Welch's t-test from data
                 (ttest_ind usevar='unequal', tconfint_diff)
    scipy        Welch's t-test from summary statistics (ttest_ind_from_stats), t quantiles

and writes them with the datasets to tests/fixtures/stats_reference.json. The Rust unit tests in
src/stats/*.rs read that file, so CI needs only Rust.

Where two packages compute the same number the script asserts that they agree before writing:
Greenwood standard errors (lifelines / statsmodels SurvfuncRight) and the log-rank test
(lifelines / statsmodels survdiff) to 1e-9; Welch from data (statsmodels / scipy) to 1e-9; Cox
(statsmodels / lifelines CoxPHFitter) to 1e-6 only, because lifelines' Newton iterations stop at
a step of about 1e-7, while statsmodels' fit ends with a gradient of about 1e-12.

One convention is in neither package and is computed here by hand: quantiles of the Kaplan-Meier
curve follow R survival's quantile.survfit (smallest t with S(t) <= 1 - p; where S is flat at
exactly 1 - p, the midpoint of the flat segment; a flat reaching the end of follow-up takes the
midpoint with the last follow-up time). `r_findq` below transcribes that rule (less one guard,
see there) and is applied to lifelines' survival and CI curves. lifelines' own quantile (no
midpoint rule) is recorded beside it as `lifelines_time` so the difference is visible.

Usage (from the repository root; needs `pip install scipy statsmodels lifelines`):

    python3 tests/reference/stats_reference.py           # (re)write the fixture
    python3 tests/reference/stats_reference.py --check   # exit 1 if the fixture would change

Other package versions may change last digits (and the recorded versions); the Rust tests compare
at 1e-9 relative.
"""

import argparse
import json
import math
import pathlib
import platform
import sys
import warnings

import lifelines
import numpy as np
import pandas as pd
import scipy
import statsmodels
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight, survdiff
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW, ttest_ind

LEVEL = 0.95
ALPHA = 1 - LEVEL
# lifelines warns that percentile() reads its step function rather than a finer timeline; the
# step function is exactly what is wanted here.
warnings.filterwarnings("ignore", category=lifelines.exceptions.ApproximationWarning)

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "stats_reference.json"

# ---------------------------------------------------------------------------------------------
# Datasets. Times are months from the start month (integers, as udfald produces them), except
# in `fractional`, which checks that nothing assumes integer times. event = 1: reached the status;
# 0: censored at that month.
# ---------------------------------------------------------------------------------------------


def rows_to_dataset(rows):
    return {
        "time": [float(t) for t, _, _ in rows],
        "event": [bool(e) for _, e, _ in rows],
        "group": [g for _, _, g in rows],
    }


def expand(group, spec):
    return [(t, e, group) for t, e in spec]


SURVIVAL_DATASETS = {
    # Ties within and across groups, events and censorings at the same month, an event at month 0.
    "ties": rows_to_dataset(
        expand(
            "treatment",
            [(0, 1), (1, 1), (2, 1), (2, 1), (2, 0), (3, 1), (4, 0), (5, 1),
             (5, 1), (6, 0), (6, 1), (8, 1), (9, 0), (12, 1), (12, 0), (18, 0)],
        )
        + expand(
            "control",
            [(1, 1), (2, 1), (2, 0), (3, 0), (4, 1), (4, 1), (4, 1), (6, 0),
             (7, 1), (9, 1), (10, 0), (12, 0), (14, 1), (18, 0), (18, 0)],
        )
    ),
    # About three in four censored; group "b" never reaches a survival of 0.5 (median not reached).
    "heavy_censoring": rows_to_dataset(
        expand(
            "a",
            [(1, 1), (2, 0), (2, 0), (3, 1), (3, 0), (4, 0), (5, 1), (6, 0),
             (6, 0), (7, 1), (8, 0), (9, 1), (10, 0), (11, 1)],
        )
        + expand(
            "b",
            [(1, 0), (2, 1), (3, 0), (3, 0), (4, 0), (5, 0), (5, 0), (6, 1),
             (7, 0), (8, 0), (9, 0), (10, 0), (12, 0), (12, 0), (12, 0)],
        )
        + expand(
            "c",
            [(1, 0), (1, 0), (2, 0), (4, 1), (4, 0), (5, 0), (6, 0), (8, 1),
             (9, 0), (11, 0), (12, 1)],
        )
    ),
    # A group with events, a group with no events at all, a group of one person with an event
    # and a group of one censored person.
    "edge_groups": rows_to_dataset(
        expand("events", [(1, 1), (1, 1), (2, 0), (3, 1), (4, 1), (5, 0), (6, 1), (7, 1), (9, 0), (10, 1)])
        + expand("no_events", [(1, 0), (3, 0), (4, 0), (6, 0), (8, 0), (10, 0)])
        + expand("one_event", [(4, 1)])
        + expand("one_censored", [(5, 0)])
    ),
    # Every event at one month (7 tied events), with censoring before and after.
    "single_time": rows_to_dataset(
        expand("treatment", [(5, 1), (5, 1), (5, 1), (5, 1), (2, 0), (8, 0), (8, 0)])
        + expand("control", [(5, 1), (5, 1), (5, 1), (8, 0), (8, 0), (8, 0), (3, 0)])
    ),
    # Quantile conventions. "steps": S = .75, .5, .25, 0 (flat at exactly 0.75, 0.5 and 0.25);
    # "flat_end": S stays at exactly 0.5 until the end of follow-up.
    "exact_quantiles": rows_to_dataset(
        expand("steps", [(1, 1), (2, 1), (3, 1), (4, 1)])
        + expand("flat_end", [(1, 1), (2, 1), (3, 0), (4, 0)])
    ),
    # Non-integer times (e.g. days / 30.4).
    "fractional": rows_to_dataset(
        expand("x", [(0.3, 1), (0.9, 0), (1.25, 1), (1.25, 1), (2.7, 0), (3.1, 1), (4.05, 1),
                     (4.05, 0), (5.5, 1), (7.75, 0), (8.2, 1), (9.0, 0)])
        + expand("y", [(0.6, 0), (1.1, 1), (2.0, 1), (2.7, 1), (3.3, 0), (5.0, 1), (6.6, 0),
                       (6.6, 1), (7.1, 0), (10.4, 1)])
    ),
}

# Log-rank tests: the dataset and the groups compared (all groups unless listed).
LOGRANK_CASES = [
    ("ties", None),
    ("heavy_censoring", None),
    ("heavy_censoring", ["a", "b"]),
    ("edge_groups", None),
    ("edge_groups", ["events", "one_event"]),
    ("single_time", None),
    ("fractional", None),
]


def lcg(seed):
    """Deterministic integers in [0, 2^31) (Park-Miller), so the dataset needs no RNG library."""
    state = seed
    while True:
        state = (state * 48271) % 2147483647
        yield state


def multi_dataset():
    """60 persons: arm, age, woman; discrete months with ties; about 40% censored."""
    rng = lcg(20240611)
    rows = []
    for i in range(60):
        arm = i % 2
        age = 25 + next(rng) % 36
        woman = next(rng) % 2
        # Hazard rises with arm and falls with age; times are drawn from a discrete scale.
        scale = 8.0 * math.exp(-0.6 * arm + 0.03 * (age - 40) - 0.3 * woman)
        u = (next(rng) % 10000 + 0.5) / 10000
        t_event = max(0, int(-scale * math.log(u)))
        t_cens = 4 + next(rng) % 18
        if t_event <= t_cens:
            rows.append((float(t_event), True, {"arm": arm, "age": float(age), "woman": woman}))
        else:
            rows.append((float(t_cens), False, {"arm": arm, "age": float(age), "woman": woman}))
    return {
        "time": [r[0] for r in rows],
        "event": [r[1] for r in rows],
        "covariates": {
            "arm": [float(r[2]["arm"]) for r in rows],
            "age": [r[2]["age"] for r in rows],
            "woman": [float(r[2]["woman"]) for r in rows],
        },
    }


def cox_from_survival(name, groups_as_dummies):
    """Covariates from a survival dataset's groups: one 0/1 column per listed group."""
    d = SURVIVAL_DATASETS[name]
    return {
        "time": d["time"],
        "event": d["event"],
        "covariates": {g: [1.0 if x == g else 0.0 for x in d["group"]] for g in groups_as_dummies},
    }


COX_DATASETS = {
    "ties_arm": cox_from_survival("ties", ["treatment"]),
    "heavy_censoring_dummies": cox_from_survival("heavy_censoring", ["b", "c"]),
    "single_time_arm": cox_from_survival("single_time", ["treatment"]),
    "fractional_arm": cox_from_survival("fractional", ["y"]),
    "multi": multi_dataset(),
}

# Two arms: (treatment successes, n, control successes, n). Successes may be non-integer when a
# report publishes a share and an n, not a count.
PROPORTION_CASES = {
    "jobfirst_paid18_counts": (355, 1847, 222, 1880),
    "jobfirst_paid18_published_shares": (0.192 * 1847, 1847, 0.118 * 1880, 1880),
    "small": (7, 12, 3, 11),
    "zero_in_treatment": (0, 15, 4, 20),
    "all_in_treatment": (10, 10, 7, 12),
    "treatment_of_one": (1, 1, 3, 10),
    "equal": (5, 20, 5, 20),
    "both_zero": (0, 8, 0, 9),
}

MEAN_DATA_CASES = {
    # Weekly paid hours, many zeros (skewed), unequal variances.
    "hours": (
        [0, 0, 0, 12.5, 0, 37, 0, 8, 0, 0, 22, 0, 15.5, 0],
        [0, 0, 4, 0, 0, 0, 9.25, 0, 0, 0, 0, 30, 0, 0, 2, 0],
    ),
    "arm_of_two": ([3, 5], [1, 2, 3, 4, 5, 6]),
    "control_constant": ([0, 1, 5, 2, 0, 8], [0, 0, 0, 0, 0]),
    "unequal_sizes": ([10.2, 11.9, 9.4, 14.1, 8.8, 12.6, 30.5], [10.1, 10.3, 9.9, 10.0, 10.4, 9.8, 10.2, 10.0, 9.7, 10.1, 10.3, 9.9, 10.0, 10.2]),
}

# (n, mean, sd) per arm. "jobfirst_hours18": means as published in S3-hours18 (4.6 vs 2.75 hours
# a week); the report gives no standard deviations, the ones here are illustrative.
MEAN_SUMMARY_CASES = {
    "jobfirst_hours18": ((1847, 4.6, 9.1), (1880, 2.75, 7.4)),
    "small_vs_large": ((5, 10.0, 2.0), (40, 8.0, 6.0)),
    "fractional_df": ((12, 3.25, 0.5), (9, 2.0, 3.75)),
}


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def num(x):
    """A float for JSON, None for NaN (JSON has no NaN); +-inf as None too."""
    x = float(x)
    return x if math.isfinite(x) else None


def close(a, b, rel=1e-7, abs_=1e-12):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_)


def r_findq(x, y, p, xmax, tol=math.sqrt(np.finfo(float).eps)):
    """R survival's findq (quantile.survfit): x starts at the origin, y = 1 - S starting at 0.

    y may hold None (undefined CI points); those are dropped as R's approx() drops NAs.
    Returns None when the curve never reaches p ("not reached").
    """
    pts = [(xi, yi) for xi, yi in zip(x, y) if yi is not None]
    # R starts with `if (max(y) < p) return NA`, without the tolerance it uses everywhere else;
    # that guard is left out here (and in udfald), so a flat at p that floating point leaves a
    # hair below p still counts as reaching p. (lifelines' S is exp(sum(log(1 - d/n))), which
    # can land such a hair below where R's product lands exactly on p.)
    # Drop duplicated y values (censoring-only times), keeping the first time each level is hit.
    seen, xs, ys = set(), [], []
    for xi, yi in pts:
        if yi not in seen:
            seen.add(yi)
            xs.append(xi)
            ys.append(yi)

    # approx(y + shift, 1:n, p, method="constant", f=1) is the first i with y[i] + shift >= p
    # (NA when there is none; y is nondecreasing).
    def first_at_or_above(shift):
        return next((i for i, yi in enumerate(ys) if yi + shift >= p), None)

    i1 = first_at_or_above(tol)
    i2 = first_at_or_above(-tol)
    if i1 is None:
        return None
    if abs(p - ys[-1]) < tol:
        # A flat at exactly p that lasts to the end of the curve: midpoint with the last time.
        return (xs[i1] + xmax) / 2
    if i2 is None:
        return None
    return (xs[i1] + xs[i2]) / 2


# ---------------------------------------------------------------------------------------------
# Kaplan-Meier
# ---------------------------------------------------------------------------------------------


def km_reference(dataset_name, group, time, event):
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    kmf = KaplanMeierFitter(alpha=ALPHA).fit(time, event_observed=event)
    sf = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_
    lower_col = [c for c in ci.columns if "lower" in c][0]
    upper_col = [c for c in ci.columns if "upper" in c][0]
    et = kmf.event_table
    cumsq = kmf._cumulative_sq_  # lifelines' Greenwood sum, d / (n (n - d)) accumulated

    # statsmodels' Greenwood standard errors at event times, as a second opinion.
    sm_se = {}
    if event.any():
        sfr = SurvfuncRight(time, event.astype(float))
        for t, se in zip(sfr.surv_times, sfr.surv_prob_se):
            sm_se[float(t)] = num(se)

    steps = []
    for t in sorted(set(time.tolist())):
        s = float(sf.loc[t])
        se = s * math.sqrt(float(cumsq.loc[t]))
        if t in sm_se and sm_se[t] is not None:
            assert close(se, sm_se[t], rel=1e-9), (dataset_name, group, t, se, sm_se[t])
        steps.append(
            {
                "time": t,
                "n_risk": int(et.loc[t, "at_risk"]),
                "n_event": int(et.loc[t, "observed"]),
                "n_censor": int(et.loc[t, "censored"]),
                "survival": s,
                "std_err": se,
                "lower": float(ci.loc[t, lower_col]),
                "upper": float(ci.loc[t, upper_col]),
            }
        )

    # Quantiles by R's rule on lifelines' curves. Curves start at the origin 0 (F = 0).
    xs = [0.0] + [st["time"] for st in steps]
    xmax = float(time.max())
    f = [0.0] + [1 - st["survival"] for st in steps]
    f_from_lower = [0.0] + [1 - st["lower"] for st in steps]
    f_from_upper = [0.0] + [1 - st["upper"] for st in steps]
    quantiles = []
    for p in (0.25, 0.5, 0.75):
        lt = kmf.percentile(1 - p)
        quantiles.append(
            {
                "prob": p,
                "time": r_findq(xs, f, p, xmax),
                "lower": r_findq(xs, f_from_lower, p, xmax),
                "upper": r_findq(xs, f_from_upper, p, xmax),
                "lifelines_time": num(lt),
            }
        )

    # A per-month table, as R's summary(fit, times = 0:K): S and CI at t, at risk at t, events and
    # censorings in (previous t, t]. Counts are plain counting (numpy), S and CI are lifelines'.
    table = []
    grid = [float(k) for k in range(0, int(math.ceil(time.max())) + 2)]
    prev = -math.inf
    for t in grid:
        at = kmf.survival_function_at_times([t]).iloc[0]
        ci_rows = ci.loc[:t]
        lo = float(ci_rows[lower_col].iloc[-1]) if len(ci_rows) else 1.0
        hi = float(ci_rows[upper_col].iloc[-1]) if len(ci_rows) else 1.0
        in_window = (time > prev) & (time <= t)
        table.append(
            {
                "time": t,
                "n_risk": int((time >= t).sum()),
                "n_event": int((in_window & event).sum()),
                "n_censor": int((in_window & ~event).sum()),
                "survival": float(at),
                "lower": lo,
                "upper": hi,
            }
        )
        prev = t

    return {
        "dataset": dataset_name,
        "group": group,
        "n": int(len(time)),
        "n_events": int(event.sum()),
        "steps": steps,
        "quantiles": quantiles,
        "table": table,
    }


# ---------------------------------------------------------------------------------------------
# Log-rank
# ---------------------------------------------------------------------------------------------


def logrank_reference(dataset_name, groups):
    d = SURVIVAL_DATASETS[dataset_name]
    keep = [i for i, g in enumerate(d["group"]) if groups is None or g in groups]
    time = np.array([d["time"][i] for i in keep])
    event = np.array([d["event"][i] for i in keep])
    group = np.array([d["group"][i] for i in keep])
    labels = sorted(set(group.tolist()))

    res = multivariate_logrank_test(time, group, event)
    sm_chi, sm_p = survdiff(time, event.astype(float), group)
    assert close(float(res.test_statistic), float(sm_chi), rel=1e-9), (dataset_name, res.test_statistic, sm_chi)
    assert close(float(res.p_value), float(sm_p), rel=1e-9), (dataset_name, res.p_value, sm_p)

    # Observed and expected per group by the textbook formula (numpy), for the table's columns.
    observed, expected = [], []
    for g in labels:
        o = e = 0.0
        for t in sorted(set(time[event].tolist())):
            n = (time >= t).sum()
            dd = ((time == t) & event).sum()
            nj = ((time >= t) & (group == g)).sum()
            e += dd * nj / n
            o += ((time == t) & event & (group == g)).sum()
        observed.append(o)
        expected.append(e)

    return {
        "dataset": dataset_name,
        "groups": groups,
        "labels": labels,
        "observed": observed,
        "expected": expected,
        "chi_square": float(res.test_statistic),
        "df": int(res.degrees_of_freedom),
        "p_value": float(res.p_value),
    }


# ---------------------------------------------------------------------------------------------
# Cox proportional hazards, Efron ties
# ---------------------------------------------------------------------------------------------


def cox_reference(name):
    d = COX_DATASETS[name]
    names = list(d["covariates"].keys())
    X = np.column_stack([d["covariates"][k] for k in names])
    time = np.asarray(d["time"])
    event = np.asarray(d["event"], dtype=float)

    # statsmodels' PHReg is the primary reference: its Newton fit ends with a gradient of ~1e-12.
    # lifelines' fit stops at a step norm of ~1e-7 whatever precision is asked for, so its
    # coefficients are ~1e-7 off in relative terms; it is the second opinion, at 1e-6.
    model = PHReg(time, X, status=event, ties="efron")
    sm = model.fit()
    beta = np.asarray(sm.params)
    vcov = np.asarray(sm.cov_params())
    se = np.asarray(sm.bse)
    assert np.max(np.abs(model.score(beta))) < 1e-9, (name, model.score(beta))

    df = pd.DataFrame(X, columns=names)
    df["T"] = time
    df["E"] = event
    cph = CoxPHFitter(alpha=ALPHA).fit(
        df, "T", "E", fit_options={"precision": 1e-13, "r_precision": 1e-15, "max_steps": 500}
    )
    for j, k in enumerate(names):
        assert close(float(cph.params_[k]), float(beta[j]), rel=1e-6), (name, k, cph.params_[k], beta[j])
        assert close(float(cph.standard_errors_[k]), float(se[j]), rel=1e-6), (name, k)
    assert close(float(cph.log_likelihood_), float(sm.llf), rel=1e-9), (name, cph.log_likelihood_, sm.llf)

    # Global tests. Likelihood ratio and Wald from statsmodels' fit; score from statsmodels'
    # gradient and Hessian of the Efron partial likelihood at beta = 0.
    zero = np.zeros(len(names))
    ll0 = float(model.loglike(zero))
    assert close(float(cph._ll_null_), ll0, rel=1e-9)
    u0 = model.score(zero)
    score_stat = float(u0 @ np.linalg.solve(-model.hessian(zero), u0))
    wald_stat = float(beta @ np.linalg.solve(vcov, beta))
    lr_stat = 2 * (float(sm.llf) - ll0)
    lr = cph.log_likelihood_ratio_test()
    assert close(float(lr.test_statistic), lr_stat, rel=1e-6)
    p = len(names)
    z = stats.norm.ppf(1 - ALPHA / 2)
    ci = np.asarray(sm.conf_int(alpha=ALPHA))

    return {
        "dataset": name,
        "time": d["time"],
        "event": d["event"],
        "covariate_names": names,
        "covariates": [d["covariates"][k] for k in names],
        "coef": beta.tolist(),
        "se": se.tolist(),
        "hazard_ratio": np.exp(beta).tolist(),
        "lower": np.exp(ci[:, 0]).tolist(),
        "upper": np.exp(ci[:, 1]).tolist(),
        "z": (beta / se).tolist(),
        "p_value": np.asarray(sm.pvalues).tolist(),
        "covariance": vcov.tolist(),
        "log_likelihood": float(sm.llf),
        "log_likelihood_null": ll0,
        "likelihood_ratio": {"statistic": lr_stat, "df": p, "p_value": float(stats.chi2.sf(lr_stat, p))},
        "wald": {"statistic": wald_stat, "df": p, "p_value": float(stats.chi2.sf(wald_stat, p))},
        "score": {"statistic": score_stat, "df": p, "p_value": float(stats.chi2.sf(score_stat, p))},
        "lifelines": {
            "coef": [float(cph.params_[k]) for k in names],
            "se": [float(cph.standard_errors_[k]) for k in names],
        },
    }


# ---------------------------------------------------------------------------------------------
# Proportions and means
# ---------------------------------------------------------------------------------------------


def proportion_reference(name, case):
    x1, n1, x2, n2 = case
    p1, p2 = x1 / n1, x2 / n2
    w1 = proportion_confint(x1, n1, alpha=ALPHA, method="wilson")
    w2 = proportion_confint(x2, n2, alpha=ALPHA, method="wilson")
    newc = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff", alpha=ALPHA)
    wald = confint_proportions_2indep(x1, n1, x2, n2, method="wald", compare="diff", alpha=ALPHA)
    with np.errstate(divide="ignore", invalid="ignore"):
        z, pz = proportions_ztest([x1, x2], [n1, n2], value=0, alternative="two-sided", prop_var=False)
    return {
        "name": name,
        "treatment": {"successes": float(x1), "n": float(n1)},
        "control": {"successes": float(x2), "n": float(n2)},
        "wilson_treatment": [float(w1[0]), float(w1[1])],
        "wilson_control": [float(w2[0]), float(w2[1])],
        "diff": p1 - p2,
        "newcombe": [float(newc[0]), float(newc[1])],
        "wald": [float(wald[0]), float(wald[1])],
        "z": num(z),
        "p_value": num(pz),
        "relative_difference": (p1 - p2) / p2 if p2 > 0 else None,
    }


def mean_data_reference(name, case):
    x, y = (np.asarray(v, dtype=float) for v in case)
    t, p, dof = ttest_ind(x, y, usevar="unequal")
    lo, hi = CompareMeans(DescrStatsW(x), DescrStatsW(y)).tconfint_diff(alpha=ALPHA, usevar="unequal")
    sp = stats.ttest_ind(x, y, equal_var=False)
    assert close(float(sp.pvalue), float(p), rel=1e-9)
    return {
        "name": name,
        "treatment": x.tolist(),
        "control": y.tolist(),
        "diff": float(x.mean() - y.mean()),
        "t": float(t),
        "df": float(dof),
        "p_value": float(p),
        "ci": [float(lo), float(hi)],
        "relative_difference": float((x.mean() - y.mean()) / y.mean()) if y.mean() != 0 else None,
    }


def mean_summary_reference(name, case):
    (n1, m1, s1), (n2, m2, s2) = case
    r = stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False)
    v1, v2 = s1**2 / n1, s2**2 / n2
    se = math.sqrt(v1 + v2)
    dof = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    q = stats.t.ppf(1 - ALPHA / 2, dof)
    assert close(float(r.statistic), (m1 - m2) / se, rel=1e-12)
    return {
        "name": name,
        "treatment": {"n": n1, "mean": m1, "sd": s1},
        "control": {"n": n2, "mean": m2, "sd": s2},
        "diff": m1 - m2,
        "t": float(r.statistic),
        "df": dof,
        "p_value": float(r.pvalue),
        "ci": [m1 - m2 - q * se, m1 - m2 + q * se],
        "relative_difference": (m1 - m2) / m2,
    }


def normal_reference():
    """Quantiles and tail areas the Rust code takes from statrs, checked once against scipy."""
    return {
        "z_975": float(stats.norm.ppf(0.975)),
        "chi2_sf": [[x, k, float(stats.chi2.sf(x, k))] for x, k in [(3.84, 1), (0.5, 1), (12.0, 3), (40.0, 2)]],
        "t_ppf_975": [[df, float(stats.t.ppf(0.975, df))] for df in [1.0, 2.5, 7.3, 29.9, 3725.4]],
    }


def build():
    km = []
    for name, d in SURVIVAL_DATASETS.items():
        for g in sorted(set(d["group"])):
            idx = [i for i, x in enumerate(d["group"]) if x == g]
            km.append(km_reference(name, g, [d["time"][i] for i in idx], [d["event"][i] for i in idx]))
    return {
        "generated_by": "tests/reference/stats_reference.py",
        "level": LEVEL,
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "scipy": scipy.__version__,
            "statsmodels": statsmodels.__version__,
            "lifelines": lifelines.__version__,
        },
        "distributions": normal_reference(),
        "survival_datasets": SURVIVAL_DATASETS,
        "kaplan_meier": km,
        "logrank": [logrank_reference(n, g) for n, g in LOGRANK_CASES],
        "cox": [cox_reference(n) for n in COX_DATASETS],
        "proportions": [proportion_reference(n, c) for n, c in PROPORTION_CASES.items()],
        "means_data": [mean_data_reference(n, c) for n, c in MEAN_DATA_CASES.items()],
        "means_summary": [mean_summary_reference(n, c) for n, c in MEAN_SUMMARY_CASES.items()],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the fixture would change")
    args = ap.parse_args()
    text = json.dumps(build(), indent=1, allow_nan=False) + "\n"
    if args.check:
        old = OUT.read_text() if OUT.exists() else ""
        if old != text:
            print(f"{OUT} is out of date", file=sys.stderr)
            sys.exit(1)
        return
    OUT.write_text(text)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
