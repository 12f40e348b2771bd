# Multi-group fits with missing data (missing = "ml"), for tests/test_groups.py.
#
# Run from the repository root:  Rscript tests/reference/make_groups_fiml_reference.R
# Writes tests/reference/groups/fiml_hs_school.json: for configural, metric and
# scalar invariance, sem(models/hs_cfa.lav, data = tests/reference/data/hs_missing.csv,
# group = "school", missing = "ml", group.equal = ...): parameterEstimates
# (group, lhs, op, rhs, est, se) and all fitMeasures; the same with estimator = "MLR"
# (mlr); and lavTestLRT of the three ML fits.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
d <- read.csv("tests/reference/data/hs_missing.csv")
syntax <- paste(readLines("models/hs_cfa.lav", warn = FALSE), collapse = "\n")
equal <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"))
fits <- list()
out <- list(model = "models/hs_cfa.lav", data = "tests/reference/data/hs_missing.csv",
            group = "school", steps = list())
for (step in names(equal)) {
  fit <- sem(syntax, data = d, group = "school", missing = "ml", group.equal = equal[[step]])
  fits[[step]] <- fit
  pe <- parameterEstimates(fit)
  out$steps[[step]] <- list(group_labels = I(lavInspect(fit, "group.label")),
                            estimates = pe[, c("group", "lhs", "op", "rhs", "est", "se")],
                            fit = as.list(fitMeasures(fit)))
  cat(step, fitMeasures(fit, "chisq"), fitMeasures(fit, "df"), "\n")
}
out$mlr <- list()
for (step in names(equal)) {
  fit <- sem(syntax, data = d, group = "school", missing = "ml", group.equal = equal[[step]],
             estimator = "MLR")
  pe <- parameterEstimates(fit)
  out$mlr[[step]] <- list(estimates = pe[, c("group", "lhs", "op", "rhs", "est", "se")],
                          fit = as.list(fitMeasures(fit)))
}
lrt <- do.call(lavTestLRT, unname(fits))
out$lrt <- data.frame(step = names(fits), df = lrt$Df, chisq = lrt$Chisq,
                      chisq_diff = lrt[["Chisq diff"]], df_diff = lrt[["Df diff"]],
                      pvalue = lrt[["Pr(>Chisq)"]])
write_json(out, "tests/reference/groups/fiml_hs_school.json", digits = NA, auto_unbox = TRUE,
           na = "null", pretty = TRUE)

# The HS MIMIC model (complete fixed.x covariates ageyr, sex) by school, missing = "ml", ML:
# configural and metric; written to tests/reference/groups/fiml_hs_mimic_school.json.
mimic <- paste(readLines("tests/reference/models/hs_mimic.lav", warn = FALSE), collapse = "\n")
out2 <- list(model = "tests/reference/models/hs_mimic.lav",
             data = "tests/reference/data/hs_missing.csv", group = "school", steps = list())
for (step in c("configural", "metric")) {
  fit <- sem(mimic, data = d, group = "school", missing = "ml", group.equal = equal[[step]])
  pe <- parameterEstimates(fit)
  out2$steps[[step]] <- list(group_labels = I(lavInspect(fit, "group.label")),
                             estimates = pe[, c("group", "lhs", "op", "rhs", "est", "se")],
                             fit = as.list(fitMeasures(fit)))
}
write_json(out2, "tests/reference/groups/fiml_hs_mimic_school.json", digits = NA,
           auto_unbox = TRUE, na = "null", pretty = TRUE)
