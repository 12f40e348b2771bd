# Multi-group fits with estimator = "MLR" and the robust invariance ladder (lavaan).
#
# Run from the repository root:  Rscript tests/reference/make_groups_mlr_reference.R
# Writes tests/reference/groups/mlr_<case>.json: for configural, metric and
# scalar invariance, sem(model, data, group = g, group.equal = ..., estimator = "MLR"):
# parameterEstimates (group, lhs, op, rhs, est, se) and all fitMeasures; and
# lavTestLRT of the ladder (its default for MLR: the Satorra-Bentler (2001)
# scaled chi-square difference).
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
cases <- list(
  hs_school = list(model = "models/hs_cfa.lav",
                   data = "datasets/holzinger_swineford/holzinger_swineford.csv",
                   rownames = TRUE, na = character(0), group = "school"),
  corp_rep_servicetype = list(model = "models/corp_rep.lav",
                              data = "datasets/corp_rep/corp_rep.csv",
                              rownames = FALSE, na = "-99", group = "servicetype"),
  hs_mimic_school = list(model = "tests/reference/models/hs_mimic.lav",
                         data = "datasets/holzinger_swineford/holzinger_swineford.csv",
                         rownames = TRUE, na = character(0), group = "school")
)
wanted <- commandArgs(trailingOnly = TRUE)
if (length(wanted) > 0L) cases <- cases[wanted]
equal <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"))
for (name in names(cases)) {
  case <- cases[[name]]
  d <- read.csv(case$data, row.names = if (case$rownames) 1L else NULL,
                na.strings = c("NA", case$na), stringsAsFactors = FALSE)
  syntax <- paste(readLines(case$model, warn = FALSE), collapse = "\n")
  fits <- list()
  out <- list(model = case$model, group = case$group, steps = list())
  for (step in names(equal)) {
    fit <- suppressWarnings(sem(syntax, data = d, group = case$group,
                                group.equal = equal[[step]], estimator = "MLR"))
    fits[[step]] <- fit
    pe <- parameterEstimates(fit)
    out$steps[[step]] <- list(group_labels = I(lavInspect(fit, "group.label")),
                              estimates = pe[, c("group", "lhs", "op", "rhs", "est", "se")],
                              fit = as.list(fitMeasures(fit)))
  }
  lrt <- do.call(lavTestLRT, unname(fits))
  out$lrt <- data.frame(step = names(fits), df = lrt$Df, chisq = lrt$Chisq,
                        chisq_diff = lrt[["Chisq diff"]], df_diff = lrt[["Df diff"]],
                        pvalue = lrt[["Pr(>Chisq)"]])
  out$lrt_method <- attr(lrt, "heading")
  write_json(out, file.path("tests/reference/groups", paste0("mlr_", name, ".json")),
             digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE)
  cat(name, "\n"); print(out$lrt)
}
