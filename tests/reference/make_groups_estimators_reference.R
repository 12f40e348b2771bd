# The invariance ladder and the path comparison under every estimator x missing-data
# combination fit_groups offers beyond ML with complete data, for
# tests/test_groups_estimators.py (issue #11).
#
# Run from the repository root:  Rscript tests/reference/make_groups_estimators_reference.R
# Writes tests/reference/groups/estimators.json:
#   ladders: {case: {model, data, na, group, estimator, missing, steps: {step: {group_equal,
#            converged, fit: all fitMeasures()}}, lrt: lavTestLRT() of the steps (its default
#            method: satorra.bentler.2001 for MLM and MLR, the plain difference for ML),
#            lrt_method}}
#   paths:   {case: {syntax, data, na, group, estimator, missing, group_labels,
#            baseline: {chisq, df, scaling_factor}, estimates: the baseline's "~" rows
#            (group, lhs, rhs, est, se), paths: [{lhs, rhs, chisq, df, chisq_diff, df_diff,
#            pvalue}]}}: sem(group.equal = "loadings") and, per regression, the model with that
#            path equal across groups (group.equal = c("loadings", "regressions"),
#            group.partial = the other paths), compared by lavTestLRT (as
#            make_path_comparison_reference.R for ML).
# Cases: HS by school (models/hs_cfa.lav; complete, and data/hs_missing.csv), the HS MIMIC
# model (complete; ml.x on data/hs_missing_ageyr.csv), corp_rep's measurement model
# (models/corp_rep_cfa.lav) by service provider (four groups; its own -99s: listwise or
# FIML; a Heywood case in group 3, as lavaan warns), corp_rep's structural model by service
# type and by provider. Every fit uses optim.method = "BFGS" with reltol 1e-14: lavaan's
# default nlminb stops with scaling factors ~1e-6 (relative) from the optimum, more than the
# tolerances of the tests; the estimator, the test statistics and the fit measures are
# lavaan's defaults otherwise. No random numbers, no timings: rerunning writes the same file.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })

HS_CSV <- "datasets/holzinger_swineford/holzinger_swineford.csv"
HS_MISSING_CSV <- "tests/reference/data/hs_missing.csv"
HS_MISSING_AGEYR_CSV <- "tests/reference/data/hs_missing_ageyr.csv"
CR_CSV <- "datasets/corp_rep/corp_rep.csv"
TIGHT <- list(optim.method = "BFGS", control = list(reltol = 1e-14))
STEPS <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"),
              strict = c("loadings", "intercepts", "residuals"))

read_data <- function(path, na) {
  d <- read.csv(path, na.strings = c("NA", na), stringsAsFactors = FALSE)
  d[, names(d) != "X", drop = FALSE]  # the row names of the HS csv
}
read_model <- function(path) paste(readLines(path, warn = FALSE), collapse = "\n")
source("tests/reference/strip_labels.R")  # labels and := lines removed
fit_one <- function(case, syntax, d, equal, partial = "") {
  args <- c(list(model = syntax, data = d, group = case$group, group.equal = equal,
                 group.partial = partial, estimator = case$estimator, missing = case$missing),
            TIGHT)
  suppressWarnings(do.call("sem", args))
}
lrt_frame <- function(lrt) {
  data.frame(df = lrt$Df, chisq = lrt$Chisq, chisq_diff = lrt[["Chisq diff"]],
             df_diff = lrt[["Df diff"]], pvalue = lrt[["Pr(>Chisq)"]])
}
case <- function(model, data, na, group, estimator, missing, steps = names(STEPS))
  list(model = model, data = data, na = na, group = group, estimator = estimator,
       missing = missing, steps = steps)

ladders <- list(
  mlm_hs_school = case("models/hs_cfa.lav", HS_CSV, character(0), "school", "MLM", "listwise"),
  mlm_hs_mimic_school = case("tests/reference/models/hs_mimic.lav", HS_CSV, character(0),
                             "school", "MLM", "listwise", c("configural", "metric", "scalar")),
  mlm_corp_rep_cfa_provider = case("tests/reference/models/corp_rep_cfa.lav", CR_CSV, "-99",
                                   "serviceprovider", "MLM", "listwise"),
  mlr_corp_rep_cfa_provider = case("tests/reference/models/corp_rep_cfa.lav", CR_CSV, "-99",
                                   "serviceprovider", "MLR", "listwise"),
  ml_fiml_corp_rep_cfa_provider = case("tests/reference/models/corp_rep_cfa.lav", CR_CSV, "-99",
                                       "serviceprovider", "ML", "ml"),
  mlr_fiml_corp_rep_cfa_provider = case("tests/reference/models/corp_rep_cfa.lav", CR_CSV,
                                        "-99", "serviceprovider", "MLR", "ml"),
  mlr_fiml_hs_school = case("models/hs_cfa.lav", HS_MISSING_CSV, character(0), "school", "MLR",
                            "ml", c("configural", "metric", "scalar")),
  ml_mlx_hs_mimic_school = case("tests/reference/models/hs_mimic.lav", HS_MISSING_AGEYR_CSV,
                                character(0), "school", "ML", "ml.x",
                                c("configural", "metric", "scalar")),
  mlr_mlx_hs_mimic_school = case("tests/reference/models/hs_mimic.lav", HS_MISSING_AGEYR_CSV,
                                 character(0), "school", "MLR", "ml.x",
                                 c("configural", "metric", "scalar"))
)
paths <- list(
  mlm_corp_rep_servicetype = case("models/corp_rep.lav", CR_CSV, "-99", "servicetype", "MLM",
                                  "listwise"),
  mlr_corp_rep_servicetype = case("models/corp_rep.lav", CR_CSV, "-99", "servicetype", "MLR",
                                  "listwise"),
  ml_fiml_corp_rep_servicetype = case("models/corp_rep.lav", CR_CSV, "-99", "servicetype", "ML",
                                      "ml"),
  mlr_fiml_corp_rep_servicetype = case("models/corp_rep.lav", CR_CSV, "-99", "servicetype",
                                       "MLR", "ml"),
  mlm_corp_rep_provider = case("models/corp_rep.lav", CR_CSV, "-99", "serviceprovider", "MLM",
                               "listwise"),
  ml_mlx_hs_mimic_school = case("tests/reference/models/hs_mimic.lav", HS_MISSING_AGEYR_CSV,
                                character(0), "school", "ML", "ml.x"),
  mlr_mlx_hs_mimic_school = case("tests/reference/models/hs_mimic.lav", HS_MISSING_AGEYR_CSV,
                                 character(0), "school", "MLR", "ml.x")
)

wanted <- commandArgs(trailingOnly = TRUE)
out <- list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))),
            options = "optim.method = 'BFGS', control = list(reltol = 1e-14)",
            ladders = list(), paths = list())
for (name in names(ladders)) {
  cs <- ladders[[name]]
  d <- read_data(cs$data, cs$na)
  syntax <- read_model(cs$model)
  fits <- list()
  block <- cs[c("model", "data", "na", "group", "estimator", "missing")]
  block$na <- I(block$na)
  block$steps <- list()
  for (step in cs$steps) {
    fit <- fit_one(cs, syntax, d, STEPS[[step]])
    fits[[step]] <- fit
    block$steps[[step]] <- list(group_equal = I(STEPS[[step]][STEPS[[step]] != ""]),
                                converged = lavInspect(fit, "converged"),
                                group_labels = I(lavInspect(fit, "group.label")),
                                fit = as.list(fitMeasures(fit)))
  }
  lrt <- do.call(lavTestLRT, unname(fits))
  block$lrt <- cbind(step = names(fits), lrt_frame(lrt))
  block$lrt_method <- paste(attr(lrt, "heading"), collapse = "")
  out$ladders[[name]] <- block
  cat(name, "\n"); print(block$lrt)
}
for (name in names(paths)) {
  cs <- paths[[name]]
  d <- read_data(cs$data, cs$na)
  syntax <- strip_labels(read_model(cs$model))
  base <- fit_one(cs, syntax, d, "loadings")
  pt <- parTable(base)
  regressions <- unique(paste0(pt$lhs[pt$op == "~"], "~", pt$rhs[pt$op == "~"]))
  rows <- list()
  for (path in regressions) {
    others <- setdiff(regressions, path)
    fit <- fit_one(cs, syntax, d, c("loadings", "regressions"),
                   if (length(others)) others else "")
    lrt <- lavTestLRT(base, fit)
    parts <- strsplit(path, "~", fixed = TRUE)[[1]]
    rows[[length(rows) + 1]] <- list(
      lhs = parts[1], rhs = parts[2], chisq = fitMeasures(fit, "chisq"),
      df = fitMeasures(fit, "df"), converged = lavInspect(fit, "converged"),
      chisq_diff = lrt[["Chisq diff"]][2], df_diff = lrt[["Df diff"]][2],
      pvalue = lrt[["Pr(>Chisq)"]][2])
  }
  pe <- parameterEstimates(base)
  pe <- pe[pe$op == "~", c("group", "lhs", "rhs", "est", "se")]
  block <- cs[c("model", "data", "na", "group", "estimator", "missing")]
  block$na <- I(block$na)
  block$syntax <- syntax
  block$group_labels <- I(lavInspect(base, "group.label"))
  block$baseline <- as.list(fitMeasures(base, c("chisq", "df", "chisq.scaling.factor")))
  block$estimates <- pe
  block$paths <- rows
  out$paths[[name]] <- block
  cat(name, length(rows), "paths\n")
}
write_json(out, "tests/reference/groups/estimators.json", digits = NA, auto_unbox = TRUE,
           na = "null", pretty = TRUE)
