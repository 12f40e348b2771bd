# lavaan's observed information (the Hessian of -loglik / N) and MLR standard errors,
# for tests/test_observed_information_lavaan.py (the closed-form Hessian of
# loyaltysem.estimate.ml.MLFunctions.observed_informations).
#
# Run from the repository root:  Rscript tests/reference/make_observed_information_reference.R
# Writes tests/reference/observed/<case>.json, one file per case, with
#   coef                  coef(fit): lavaan's estimates of its free parameters, in order
#   partable              parTable(fit) rows with free > 0 (lhs, op, rhs, group, free, label)
#   information_observed  lavInspect(fit, "information.observed") (unit information: the
#                         Hessian of -loglik / N at coef, groups weighted by N_g / N;
#                         rows and columns in lavaan's free-parameter order)
#   se                    MLR cases: parameterEstimates()$se of those rows (sandwich with
#                         the observed information, lavaan's default for MLR)
# No random numbers, no timings: rerunning writes the same files.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })

OUT_DIR <- "tests/reference/observed"
dir.create(OUT_DIR, showWarnings = FALSE, recursive = TRUE)
HS_CSV <- "datasets/holzinger_swineford/holzinger_swineford.csv"
PD_CSV <- "datasets/political_democracy/political_democracy.csv"
HS_MISSING_CSV <- "tests/reference/data/hs_missing.csv"
read_model <- function(path) paste(readLines(path, warn = FALSE), collapse = "\n")

cases <- list(
  hs_cfa = list(
    description = "hs_cfa (3-factor CFA), complete data, ML",
    model_file = "models/hs_cfa.lav", data = HS_CSV, rownames = TRUE, opts = list()),
  poldem_meanstructure = list(
    description = "poldem (regressions among latents, residual covariances), meanstructure = TRUE, ML",
    model_file = "models/poldem.lav", data = PD_CSV, rownames = TRUE,
    opts = list(meanstructure = TRUE)),
  poldem_mlr = list(
    description = "poldem, complete data, estimator = \"MLR\"",
    model_file = "models/poldem.lav", data = PD_CSV, rownames = TRUE,
    opts = list(estimator = "MLR")),
  hs_cfa_fiml_mlr = list(
    description = "hs_cfa on hs_missing.csv (10% MCAR), missing = \"ml\", estimator = \"MLR\"",
    model_file = "models/hs_cfa.lav", data = HS_MISSING_CSV, rownames = FALSE,
    opts = list(missing = "ml", estimator = "MLR")),
  hs_school_metric_fiml_mlr = list(
    description = paste("hs_cfa by school on hs_missing.csv, group.equal = \"loadings\",",
                        "missing = \"ml\", estimator = \"MLR\" (lavaan keeps one parameter per group",
                        "and equality constraints: the information is in that space)"),
    model_file = "models/hs_cfa.lav", data = HS_MISSING_CSV, rownames = FALSE,
    opts = list(missing = "ml", estimator = "MLR", group = "school", group.equal = "loadings"))
)

for (name in names(cases)) {
  case <- cases[[name]]
  frame <- read.csv(case$data, row.names = if (case$rownames) 1L else NULL,
                    stringsAsFactors = FALSE)
  fit <- do.call("sem", c(list(model = read_model(case$model_file), data = frame), case$opts))
  pt <- parTable(fit)
  free <- pt[pt$free > 0L, c("lhs", "op", "rhs", "group", "free", "label")]
  free <- free[order(free$free), ]
  out <- list(
    description = case$description, model_file = case$model_file, data = case$data,
    data_rownames_dropped = case$rownames, options = case$opts,
    group_labels = I(lavInspect(fit, "group.label")),
    converged = lavInspect(fit, "converged"), nobs = I(lavInspect(fit, "nobs")),
    coef = I(unname(coef(fit))), partable = free,
    information_observed = unname(lavInspect(fit, "information.observed")),
    versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                    jsonlite = as.character(packageVersion("jsonlite"))))
  if (identical(case$opts$estimator, "MLR")) {
    pe <- parameterEstimates(fit)
    if (is.null(pe$group)) pe$group <- 1L
    key <- function(d) paste(d$lhs, d$op, d$rhs, d$group)
    out$se <- I(pe$se[match(key(free), key(pe))])
  }
  writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE),
             file.path(OUT_DIR, paste0(name, ".json")))
  cat("wrote", file.path(OUT_DIR, paste0(name, ".json")), "\n")
}
