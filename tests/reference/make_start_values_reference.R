# lavaan's default start values (lav_start, start = "default") for
# tests/test_start_values.py: loyaltysem.estimate.starts.lavaan_start_rows claims lavaan's
# definition, checked here row by row.
#
# Run from the repository root:  Rscript tests/reference/make_start_values_reference.R
# Writes tests/reference/start_values.json: {case: {model, data, na, group, group_equal,
#   group_partial, std_lv, rows: [{lhs, op, rhs, group, free, start}]}}, the rows of
#   parTable(fit) with lavaan's start column (what lavInspect(fit, "start") shows as
#   matrices), before the estimation projects them onto equality constraints.
# Cases: one-group models with 1 to 7 items per factor (FABIN 3 and its closed form for up to
# three items), single-item factors, a second-order factor, std.lv, fixed.x covariates, a
# path model without latent variables (least-squares starts), residual covariances, and the
# corp_rep structural model by service provider with loadings and one path equal across the
# four groups (tests/test_groups_estimators.py). No fitting, no random numbers: rerunning
# writes the same file.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })

HS <- "datasets/holzinger_swineford/holzinger_swineford.csv"
CR <- "datasets/corp_rep/corp_rep.csv"
PD <- "datasets/political_democracy/political_democracy.csv"
MOBI <- "datasets/mobi/mobi.csv"

read_data <- function(path, na) {
  d <- read.csv(path, na.strings = c("NA", na), stringsAsFactors = FALSE)
  d[, names(d) != "X", drop = FALSE]
}
read_model <- function(path) paste(readLines(path, warn = FALSE), collapse = "\n")
source("tests/reference/strip_labels.R")  # labels and := lines removed

case <- function(model, data, na = character(0), group = NULL, group_equal = character(0),
                 group_partial = character(0), std_lv = FALSE, strip = FALSE) {
  syntax <- read_model(model)
  if (strip) syntax <- strip_labels(syntax)
  args <- list(syntax, read_data(data, na), group = group, std.lv = std_lv, do.fit = FALSE)
  if (length(group_equal)) args <- c(args, list(group.equal = group_equal,
                                                group.partial = group_partial))
  fit <- do.call("sem", args)
  pt <- parTable(fit)
  keep <- pt$op != ":=" & pt$op != "=="
  list(model = model, data = data, na = I(na), group = group, group_equal = I(group_equal),
       group_partial = I(group_partial), std_lv = std_lv, strip = strip,
       rows = data.frame(lhs = pt$lhs[keep], op = pt$op[keep], rhs = pt$rhs[keep],
                         group = pt$group[keep], free = pt$free[keep],
                         start = pt$start[keep]))
}

cases <- list(
  hs_cfa = case("models/hs_cfa.lav", HS),
  hs_std_lv = case("tests/reference/models/hs_std_lv.lav", HS),
  hs_cfa_std_lv = case("models/hs_cfa.lav", HS, std_lv = TRUE),
  hs_second_order = case("tests/reference/models/hs_second_order.lav", HS),
  hs_mimic = case("tests/reference/models/hs_mimic.lav", HS),
  hs_single = case("tests/reference/models/hs_single.lav", HS),
  poldem = case("models/poldem.lav", PD),
  pd_path = case("tests/reference/models/pd_path.lav", PD),
  ecsi = case("models/ecsi.lav", MOBI),
  corp_rep = case("models/corp_rep.lav", CR, na = "-99"),
  corp_rep_provider = case("models/corp_rep.lav", CR, na = "-99", group = "serviceprovider",
                           group_equal = c("loadings", "regressions"),
                           group_partial = c("CUSA~COMP", "CUSL~COMP", "CUSL~LIKE",
                                             "CUSL~CUSA"), strip = TRUE)
)
writeLines(toJSON(cases, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null"),
           "tests/reference/start_values.json")
