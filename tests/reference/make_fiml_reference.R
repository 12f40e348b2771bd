# Full-information ML with missing data (lavaan's missing = "ml"), for tests/test_fiml.py.
#
# Run from the repository root:  Rscript tests/reference/make_fiml_reference.R
# Writes tests/reference/fiml/<case>.json with, for sem(model, data, missing = "ml")
# (lavaan's defaults then: meanstructure, observed information from the
# Hessian, h1 by EM):
#   estimates    parameterEstimates(fit, standardized = TRUE): lhs, op, rhs, est, se, std.all
#   fit          all fitMeasures(fit)
#   h1_cov, h1_mean   the EM estimates of the unrestricted model
#   nobs, npatterns
#   mlr          the same model with estimator = "MLR" (robust.huber.white SEs,
#                Yuan-Bentler scaled test): estimates (lhs, op, rhs, est, se) and
#                all fitMeasures
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
cases <- list(
  hs_cfa = list(model = "models/hs_cfa.lav", data = "tests/reference/data/hs_missing.csv",
                na = character(0)),
  poldem = list(model = "models/poldem.lav", data = "tests/reference/data/poldem_missing.csv",
                na = character(0)),
  corp_rep = list(model = "models/corp_rep.lav", data = "datasets/corp_rep/corp_rep.csv",
                  na = "-99"),
  hs_obs_outcomes = list(model = "tests/reference/models/hs_obs_outcomes.lav",
                         data = "tests/reference/data/hs_missing.csv", na = character(0)),
  hs_mimic = list(model = "tests/reference/models/hs_mimic.lav",
                  data = "tests/reference/data/hs_missing.csv", na = character(0), ml_only = TRUE)
)
wanted <- commandArgs(trailingOnly = TRUE)
if (length(wanted) > 0L) cases <- cases[wanted]
dir.create("tests/reference/fiml", showWarnings = FALSE)
for (name in names(cases)) {
  case <- cases[[name]]
  d <- read.csv(case$data, na.strings = c("NA", case$na))
  syntax <- paste(readLines(case$model, warn = FALSE), collapse = "\n")
  fit <- sem(syntax, data = d, missing = "ml")
  pe <- parameterEstimates(fit, standardized = TRUE)
  h1 <- lavInspect(fit, "sampstat.h1")
  out <- list(model = case$model, data = case$data,
              lavaan_version = as.character(packageVersion("lavaan")),
              nobs = lavInspect(fit, "nobs"),
              npatterns = nrow(lavInspect(fit, "patterns")),
              estimates = pe[, c("lhs", "op", "rhs", "est", "se", "std.all")],
              fit = as.list(fitMeasures(fit)),
              h1_cov = unname(unclass(h1$cov)), h1_mean = unname(unclass(h1$mean)),
              h1_names = I(rownames(h1$cov)))
  if (isTRUE(case$ml_only)) {  # fixed.x covariates: ML only in loyaltysem for now
    write_json(out, file.path("tests/reference/fiml", paste0(name, ".json")),
               digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE)
    next
  }
  mlr <- sem(syntax, data = d, missing = "ml", estimator = "MLR")
  pe_mlr <- parameterEstimates(mlr)
  out$mlr <- list(estimates = pe_mlr[, c("lhs", "op", "rhs", "est", "se")],
                  fit = as.list(fitMeasures(mlr)),
                  options = lavInspect(mlr, "options")[c("h1.information", "observed.information",
                                                         "information", "test", "se")])
  write_json(out, file.path("tests/reference/fiml", paste0(name, ".json")),
             digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE)
  cat(sprintf("%-10s N=%d chisq=%.4f df=%d cfi=%.4f logl=%.4f\n", name,
              lavInspect(fit, "nobs"), fitMeasures(fit, "chisq"), as.integer(fitMeasures(fit, "df")),
              fitMeasures(fit, "cfi"), fitMeasures(fit, "logl")))
}
