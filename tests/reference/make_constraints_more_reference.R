# General constraints (nonlinear and weighted ==, active and inactive < / >) beyond
# single-group ML without a mean structure: multi-group fits, mean structures,
# FIML, MLR and MLM (tests/test_constraints_more.py).
#
# Run from the repository root:
#   Rscript tests/reference/make_constraints_more_reference.R   (about 8 s)
# Writes tests/reference/constraints_more.json: one object keyed by case, each case in
# the layout of tests/reference/core/ (tests/reference/README.md, "core/ layout") plus
# `constraint_rows` (parameterEstimates with the ==, <, > rows: est is the constraint's
# value, lhs - rhs for ==, the slack for < and >). Every case is refitted each run; no
# timings or random numbers: rerunning writes the same file byte for byte.
source("tests/reference/make_core_common.R")

OUT_FILE <- "tests/reference/constraints_more.json"
hs_cfa <- read_model("models/hs_cfa.lav")
lines <- function(...) paste(c(...), collapse = "\n")

# run_case() of make_core_common.R writes through write_case(): collect instead.
collected <- list()
write_case <- function(out, name) {
  for (k in names(out)) if (is.null(out[[k]])) out[k] <- list(NA)
  collected[[name]] <<- out
}

hs_two_labels <- lines("visual  =~ x1 + c(a1, a2)*x2 + c(b1, b2)*x3",
                       "textual =~ x4 + x5 + x6",
                       "speed   =~ x7 + x8 + x9")
pd_labelled <- lines(
  "ind60 =~ x1 + x2 + x3",
  "dem60 =~ y1 + a*y2 + c*y3 + y4",
  "dem65 =~ y5 + b*y6 + d*y7 + y8",
  "dem60 ~ p1*ind60",
  "dem65 ~ p2*ind60 + p3*dem60",
  "y1 ~~ y5", "y2 ~~ y4 + y6", "y3 ~~ y7", "y4 ~~ y8", "y6 ~~ y8")
hs_ab <- lines("visual  =~ x1 + a*x2 + b*x3", "textual =~ x4 + x5 + x6",
               "speed   =~ x7 + x8 + x9")

cases <- list(
  mg_hs_nonlinear = list(
    description = paste("HS by school, per-group x2/x3 loadings c(a1, a2), c(b1, b2) with the",
                        "nonlinear equality a1*b1 == a2*b2 (unconstrained: 0.22 vs 0.68)"),
    syntax = lines(hs_two_labels, "a1*b1 == a2*b2", "prod_diff := a1*b1 - a2*b2"),
    data = HS_CSV, rownames = TRUE, opts = list(group = "school"), post = constraint_rows),
  mg_hs_inequality = list(
    description = paste("HS by school: a1 > a2 (active: unconstrained 0.39 vs 0.74),",
                        "b2 > 0 (inactive) and the weighted equality b1 == 0.8*b2"),
    syntax = lines(hs_two_labels, "a1 > a2", "b2 > 0", "b1 == 0.8*b2"),
    data = HS_CSV, rownames = TRUE, opts = list(group = "school"), post = constraint_rows),
  mg_hs_mlr_linear = list(
    description = "HS by school, estimator MLR, the linear equality a1 - a2 == 0.1 (not a label merge)",
    syntax = lines(hs_two_labels, "a1 - a2 == 0.1"),
    data = HS_CSV, rownames = TRUE, opts = list(group = "school", estimator = "MLR"),
    post = constraint_rows),
  ms_hs_product = list(
    description = paste("hs_cfa with meanstructure = TRUE, the loading product a == b*c and",
                        "the intercept sum i7 + i8 == 9.5 (sample means 4.19 + 5.53)"),
    syntax = lines("visual  =~ x1 + x2 + x3", "textual =~ x4 + a*x5 + b*x6",
                   "speed   =~ x7 + c*x8 + x9", "x7 ~ i7*1", "x8 ~ i8*1",
                   "a == b*c", "i7 + i8 == 9.5"),
    data = HS_CSV, rownames = TRUE, opts = list(meanstructure = TRUE), post = constraint_rows),
  fiml_hs_sum = list(
    description = "hs_cfa on hs_missing.csv, missing = 'ml', the loading sum a + b == 1",
    syntax = lines(hs_ab, "a + b == 1"),
    data = HS_MISSING_CSV, opts = list(missing = "ml"), h1 = TRUE, post = constraint_rows),
  fiml_hs_sum_mlr = list(
    description = "as fiml_hs_sum with estimator MLR",
    syntax = lines(hs_ab, "a + b == 1"),
    data = HS_MISSING_CSV, opts = list(missing = "ml", estimator = "MLR"), h1 = TRUE,
    post = constraint_rows),
  mg_fiml_hs_nonlinear_mlr = list(
    description = paste("HS by school on hs_missing.csv, missing = 'ml', estimator MLR, the",
                        "nonlinear equality a1*b1 == a2*b2 across groups"),
    syntax = lines(hs_two_labels, "a1*b1 == a2*b2"),
    data = HS_MISSING_CSV, opts = list(group = "school", missing = "ml", estimator = "MLR"),
    post = constraint_rows),
  fiml_hs_inequality = list(
    description = paste("hs_cfa on hs_missing.csv, missing = 'ml': a < 0.5 (active: unconstrained",
                        "about 0.6) and b > 0 (inactive)"),
    syntax = lines(hs_ab, "a < 0.5", "b > 0"),
    data = HS_MISSING_CSV, opts = list(missing = "ml"), post = constraint_rows),
  mlr_pd_product = list(
    description = "labelled poldem, estimator MLR, the nonlinear equality p2*p3 == 0.5",
    syntax = lines(pd_labelled, "p2*p3 == 0.5", "ind := p1*p3"),
    data = PD_CSV, rownames = TRUE, opts = list(estimator = "MLR"), post = constraint_rows),
  mlr_pd_inequality = list(
    description = "labelled poldem, estimator MLR, p1 > 0 (inactive) and p2 < 0.3 (active)",
    syntax = lines(pd_labelled, "p1 > 0", "p2 < 0.3"),
    data = PD_CSV, rownames = TRUE, opts = list(estimator = "MLR"), post = constraint_rows),
  mlm_pd_linear = list(
    description = "labelled poldem, estimator MLM, the linear equality a + c == b + d",
    syntax = lines(pd_labelled, "a + c == b + d"),
    data = PD_CSV, rownames = TRUE, opts = list(estimator = "MLM"), post = constraint_rows),
  mlm_hs_square = list(
    description = "hs_cfa, estimator MLM, the nonlinear equality a == b^2 (x5, x6 loadings)",
    syntax = lines("visual  =~ x1 + x2 + x3", "textual =~ x4 + a*x5 + b*x6",
                   "speed   =~ x7 + x8 + x9", "a == b^2"),
    data = HS_CSV, rownames = TRUE, opts = list(estimator = "MLM"), post = constraint_rows)
)

for (name in names(cases)) run_case(name, c(cases[[name]], list(model_file = NULL)))
writeLines(toJSON(collected, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE),
           OUT_FILE)
