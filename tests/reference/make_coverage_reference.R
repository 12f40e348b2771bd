# Coverage of the missing-data patterns (lavInspect(fit, "coverage")), for tests/test_fiml.py.
#
# Run from the repository root:  Rscript tests/reference/make_coverage_reference.R
# Writes tests/reference/fiml/coverage.json: for each case, the variables (in lavaan's
# order) and the coverage matrix of sem(model, data, missing = "ml"), the proportion of
# (non-empty) rows in which both variables of a pair are observed.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
cases <- list(
  hs_cfa = list(model = "models/hs_cfa.lav", data = "tests/reference/data/hs_missing.csv"),
  poldem = list(model = "models/poldem.lav", data = "tests/reference/data/poldem_missing.csv")
)
out <- list()
for (name in names(cases)) {
  case <- cases[[name]]
  data <- read.csv(case$data)
  fit <- sem(paste(readLines(case$model), collapse = "\n"), data = data, missing = "ml")
  coverage <- lavInspect(fit, "coverage")
  out[[name]] <- list(variables = rownames(coverage), coverage = unname(coverage))
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), "tests/reference/fiml/coverage.json")
