# Reference values for lavaan's standardizedSolution() (std.all with
# delta-method standard errors) for every reference model.
#
# Run from the repository root:  Rscript tests/reference/make_standardized_reference.R [model ...]
# Writes tests/reference/lavaan_std/<model>.json with the rows of
# standardizedSolution(fit) (lhs, op, rhs, est.std, se, z, pvalue, ci.lower,
# ci.upper) of sem(model, data) with lavaan's defaults.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })

models <- list(
  hs_cfa    = list(file = "models/hs_cfa.lav", data = "datasets/holzinger_swineford/holzinger_swineford.csv", na = c()),
  poldem    = list(file = "models/poldem.lav", data = "datasets/political_democracy/political_democracy.csv", na = c()),
  ecsi      = list(file = "models/ecsi.lav", data = "datasets/mobi/mobi.csv", na = c()),
  corp_rep  = list(file = "models/corp_rep.lav", data = "datasets/corp_rep/corp_rep.csv", na = c(-99)),
  hs_mimic  = list(file = "tests/reference/models/hs_mimic.lav", data = "datasets/holzinger_swineford/holzinger_swineford.csv", na = c()),
  poldem_eq = list(file = "tests/reference/models/poldem_eq.lav", data = "datasets/political_democracy/political_democracy.csv", na = c()),
  pd_path   = list(file = "tests/reference/models/pd_path.lav", data = "datasets/political_democracy/political_democracy.csv", na = c()),
  hs_single = list(file = "tests/reference/models/hs_single.lav", data = "datasets/holzinger_swineford/holzinger_swineford.csv", na = c()),
  hs_second_order = list(file = "tests/reference/models/hs_second_order.lav", data = "datasets/holzinger_swineford/holzinger_swineford.csv", na = c()),
  hs_std_lv = list(file = "tests/reference/models/hs_std_lv.lav", data = "datasets/holzinger_swineford/holzinger_swineford.csv", na = c()),
  hs_mixed  = list(file = "tests/reference/models/hs_mixed.lav", data = "datasets/holzinger_swineford/holzinger_swineford.csv", na = c())
)
wanted <- commandArgs(trailingOnly = TRUE)
if (length(wanted) > 0L) models <- models[wanted]
dir.create("tests/reference/lavaan_std", showWarnings = FALSE)
for (name in names(models)) {
  spec <- models[[name]]
  d <- read.csv(spec$data, na.strings = c("NA", as.character(spec$na)))
  syntax <- paste(readLines(spec$file, warn = FALSE), collapse = "\n")
  fit <- sem(syntax, data = d)
  std <- standardizedSolution(fit)
  out <- list(model = name, lavaan_version = as.character(packageVersion("lavaan")),
              rows = std[, c("lhs", "op", "rhs", "est.std", "se", "z", "pvalue", "ci.lower", "ci.upper")])
  write_json(out, file.path("tests/reference/lavaan_std", paste0(name, ".json")),
             digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE)
  cat(name, nrow(std), "rows\n")
}
