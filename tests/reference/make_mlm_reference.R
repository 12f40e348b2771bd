# lavaan's estimator = "MLM" (Satorra-Bentler) for every reference model.
#
# Run from the repository root:  Rscript tests/reference/make_mlm_reference.R [model ...]
# Writes tests/reference/lavaan_mlm/<model>.json with, for
# sem(model, data, estimator = "MLM") (robust.sem standard errors from the
# expected information and Gamma with divisor N; test = "satorra.bentler"):
#   estimates  parameterEstimates() rows (lhs, op, rhs, est, se)
#   fit        all fitMeasures()
# Models and data as in make_reference.R.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
HS <- "datasets/holzinger_swineford/holzinger_swineford.csv"
PD <- "datasets/political_democracy/political_democracy.csv"
models <- list(
  hs_cfa = list("models/hs_cfa.lav", HS, TRUE, character(0)),
  poldem = list("models/poldem.lav", PD, TRUE, character(0)),
  ecsi = list("models/ecsi.lav", "datasets/mobi/mobi.csv", FALSE, character(0)),
  corp_rep = list("models/corp_rep.lav", "datasets/corp_rep/corp_rep.csv", FALSE, "-99"),
  hs_mimic = list("tests/reference/models/hs_mimic.lav", HS, TRUE, character(0)),
  poldem_eq = list("tests/reference/models/poldem_eq.lav", PD, TRUE, character(0)),
  pd_path = list("tests/reference/models/pd_path.lav", PD, TRUE, character(0)),
  hs_single = list("tests/reference/models/hs_single.lav", HS, TRUE, character(0)),
  hs_second_order = list("tests/reference/models/hs_second_order.lav", HS, TRUE, character(0)),
  hs_std_lv = list("tests/reference/models/hs_std_lv.lav", HS, TRUE, character(0)),
  hs_mixed = list("tests/reference/models/hs_mixed.lav", HS, TRUE, character(0))
)
wanted <- commandArgs(trailingOnly = TRUE)
if (length(wanted) > 0L) models <- models[wanted]
dir.create("tests/reference/lavaan_mlm", showWarnings = FALSE)
for (name in names(models)) {
  m <- models[[name]]
  d <- read.csv(m[[2]], row.names = if (m[[3]]) 1L else NULL, na.strings = c("NA", m[[4]]),
                check.names = FALSE)
  syntax <- paste(readLines(m[[1]], warn = FALSE), collapse = "\n")
  fit <- suppressWarnings(sem(syntax, data = d, estimator = "MLM"))
  pe <- parameterEstimates(fit)
  out <- list(model = name, lavaan_version = as.character(packageVersion("lavaan")),
              estimates = pe[, c("lhs", "op", "rhs", "est", "se")],
              fit = as.list(fitMeasures(fit)))
  write_json(out, file.path("tests/reference/lavaan_mlm", paste0(name, ".json")),
             digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE)
  cat(sprintf("%-16s chisq.scaled=%.4f scaling=%.4f cfi.robust=%.4f\n", name,
              fitMeasures(fit, "chisq.scaled"), fitMeasures(fit, "chisq.scaling.factor"),
              fitMeasures(fit, "cfi.robust")))
}
