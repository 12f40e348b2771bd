# Modification indices and score tests of models with equality constraints (and one
# active inequality), from lavaan 0.6-14 (tests/test_modindices_constraints.py).
#
# Run from the repository root:
#   Rscript tests/reference/make_modindices_constraints_reference.R   (about 10 s)
# Writes tests/reference/inference/modindices_constraints.json: one object with
#   cases: keyed by case, each with
#     syntax, data, rownames, options       what was fitted (sem(syntax, data, ...))
#     partable                               parTable(fit) (est: lavaan's estimates)
#     chisq, projected_gradient              fmin's gradient projected on the null space of
#                                            the constraint Jacobian (how far lavaan's
#                                            optimiser stopped from the constrained optimum)
#     modindices                             modindices(fit, sort. = FALSE, na.remove = FALSE)
#     score                                  lavTestScore(fit, ...) for each entry of
#                                            score_calls (uni, cumulative, epc, test), or
#                                            the error lavaan gives (inequalities)
#     tight                                  (linear constraints only) the same model fitted
#                                            with BFGS as below: projected_gradient,
#                                            modindices, score (univariate, cumulative, epc)
#   tight: the models of make_inference_reference.R's mi_<case>.json refitted with
#     optim.method = "BFGS", control = list(reltol = 1e-16, maxit = 10000): lavaan's
#     default nlminb stops with gradients of ~1e-6, which moves its modification
#     indices by up to ~1.5e-4 relative; BFGS brings the gradient to ~1e-9. Each entry:
#     options, max_gradient (both fits), modindices of the tight fit.
# No timings or random numbers: rerunning writes the same file byte for byte.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })

OUT_FILE <- "tests/reference/inference/modindices_constraints.json"
HS_CSV <- "datasets/holzinger_swineford/holzinger_swineford.csv"
PD_CSV <- "datasets/political_democracy/political_democracy.csv"
CR_CSV <- "datasets/corp_rep/corp_rep.csv"
read_data <- function(path, rownames = TRUE, na = character(0))
  read.csv(path, row.names = if (rownames) 1L else NULL, na.strings = c("NA", na),
           stringsAsFactors = FALSE)
lines <- function(...) paste(c(...), collapse = "\n")
read_model <- function(path) paste(readLines(path, warn = FALSE), collapse = "\n")

source("tests/reference/score_test_common.R")  # table_of, score_of

projected_gradient <- function(fit) {
  g <- lavInspect(fit, "gradient")
  H <- fit@Model@con.jac
  if (nrow(H) > 0L) {
    inactive <- attr(H, "inactive.idx")
    if (length(inactive)) H <- H[-inactive, , drop = FALSE]
  }
  if (nrow(H) > 0L) g <- g - t(H) %*% MASS::ginv(H %*% t(H)) %*% H %*% g
  max(abs(g))
}

hs_two_labels <- lines("visual  =~ x1 + c(a1, a2)*x2 + c(b1, b2)*x3",
                       "textual =~ x4 + x5 + x6", "speed   =~ x7 + x8 + x9")
hs_ab <- lines("visual  =~ x1 + a*x2 + b*x3", "textual =~ x4 + x5 + x6",
               "speed   =~ x7 + x8 + x9")
pd_shared <- lines(
  "ind60 =~ x1 + x2 + x3", "dem60 =~ y1 + a*y2 + b*y3 + c*y4",
  "dem65 =~ y5 + a*y6 + b*y7 + c*y8", "dem60 ~ p1*ind60", "dem65 ~ ind60 + dem60",
  "y1 ~~ y5", "y2 ~~ y4 + y6", "y3 ~~ y7", "y4 ~~ y8", "y6 ~~ y8")
ALL <- list(univariate = TRUE, cumulative = TRUE, epc = TRUE)
TIGHT <- list(optim.method = "BFGS", control = list(reltol = 1e-16, maxit = 10000L))

cases <- list(
  mg_labels = list(
    description = paste("HS by school, per-group loadings c(a1, a2)*x2, c(b1, b2)*x3 held",
                        "equal across groups by a1 == a2 and b1 == b2"),
    syntax = lines(hs_two_labels, "a1 == a2", "b1 == b2"), data = HS_CSV,
    options = list(group = "school"),
    tight = TRUE,
    score_calls = list(all = ALL, release_2 = list(release = 2L),
                       add = list(add = c("x7 ~~ x9", "visual =~ x9"), epc = TRUE))),
  mg_nonlinear = list(
    description = "HS by school with c(a1, a2), c(b1, b2) and the nonlinear a1*b1 == a2*b2",
    syntax = lines(hs_two_labels, "a1*b1 == a2*b2"), data = HS_CSV,
    options = list(group = "school"), score_calls = list(all = ALL)),
  hs_product = list(
    description = "hs_cfa with labelled loadings and the nonlinear equality a == b*c",
    syntax = lines("visual  =~ x1 + x2 + x3", "textual =~ x4 + a*x5 + b*x6",
                   "speed   =~ x7 + c*x8 + x9", "a == b*c"), data = HS_CSV,
    options = list(),
    score_calls = list(all = ALL, add = list(add = c("x7 ~~ x9", "visual =~ x9"),
                                             cumulative = TRUE, epc = TRUE))),
  hs_sum = list(
    description = "hs_cfa with the loading sum a + b == 1 (unconstrained 0.55 + 0.73)",
    syntax = lines(hs_ab, "a + b == 1"), data = HS_CSV, options = list(),
    tight = TRUE,
    score_calls = list(all = ALL, add = list(add = "x7 ~~ x8"))),
  hs_sum_mlr = list(
    description = paste("as hs_sum with estimator MLR: modindices are the ML ones;",
                        "lavTestScore warns and gives the ordinary score test"),
    syntax = lines(hs_ab, "a + b == 1"), data = HS_CSV, options = list(estimator = "MLR"),
    score_calls = list(all = ALL)),
  hs_fixed_by_constraint = list(
    description = paste("a == b and b == 0.6: lavaan keeps a and b free with two '=='",
                        "rows (not modification-index rows), the marker x1 gets an MI"),
    syntax = lines(hs_ab, "a == b", "b == 0.6"), data = HS_CSV, options = list(),
    tight = TRUE,
    score_calls = list(all = ALL)),
  pd_mixed = list(
    description = paste("poldem with labels a, b, c shared by the 1960 and 1965 loadings",
                        "(three system '==' rows) and the user constraint p1 == a*b"),
    syntax = lines(pd_shared, "p1 == a*b"), data = PD_CSV, options = list(),
    score_calls = list(all = ALL, release_1_3 = list(release = c(1L, 3L)))),
  hs_inequality = list(
    description = paste("hs_cfa with a < 0.5 (active: unconstrained 0.55) and b > 0",
                        "(inactive); lavTestScore refuses inequalities"),
    syntax = lines(hs_ab, "a < 0.5", "b > 0"), data = HS_CSV, options = list(),
    score_calls = list(all = list()))
)

run_case <- function(case) {
  data <- read_data(case$data)
  fit <- do.call("sem", c(list(model = case$syntax, data = data), case$options))
  pt <- parTable(fit)
  keep <- intersect(c("id", "lhs", "op", "rhs", "user", "group", "free", "ustart", "exo",
                      "label", "plabel", "est"), names(pt))
  mi <- modindices(fit, sort. = FALSE, na.remove = FALSE)
  list(description = case$description, syntax = case$syntax, data = case$data,
       rownames = TRUE, options = if (length(case$options)) case$options else NULL,
       converged = lavInspect(fit, "converged"),
       group_labels = I(lavInspect(fit, "group.label")),
       chisq = unname(fitMeasures(fit, "chisq")),
       projected_gradient = projected_gradient(fit),
       partable = as.data.frame(pt[keep]), modindices = table_of(mi),
       score = lapply(case$score_calls, function(args) score_of(fit, args)),
       tight = if (isTRUE(case$tight)) run_tight_constrained(case, data) else NULL)
}

# linear equality constraints only: lavaan optimises over their null space (K), so BFGS
# applies; nonlinear ones go through nlminb.constr, which stops at ~1e-6 whatever rel.tol
run_tight_constrained <- function(case, data) {
  fit <- do.call("sem", c(list(model = case$syntax, data = data), case$options, TIGHT))
  list(options = TIGHT, converged = lavInspect(fit, "converged"),
       projected_gradient = projected_gradient(fit),
       modindices = table_of(modindices(fit, sort. = FALSE, na.remove = FALSE)),
       score = score_of(fit, ALL))
}

# the unconstrained reference models of make_inference_reference.R, tightly converged
tight_cases <- list(
  hs_cfa = list(model = "models/hs_cfa.lav", data = HS_CSV, options = list()),
  hs_cfa_mlr = list(model = "models/hs_cfa.lav", data = HS_CSV,
                    options = list(estimator = "MLR")),
  poldem = list(model = "models/poldem.lav", data = PD_CSV, options = list()),
  poldem_eq = list(model = "tests/reference/models/poldem_eq.lav", data = PD_CSV,
                   options = list()),
  hs_mimic = list(model = "tests/reference/models/hs_mimic.lav", data = HS_CSV,
                  options = list()),
  corp_rep = list(model = "models/corp_rep.lav", data = CR_CSV, rownames = FALSE,
                  na = "-99", options = list()),
  hs_school_configural = list(model = "models/hs_cfa.lav", data = HS_CSV,
                              options = list(group = "school")),
  hs_school_metric = list(model = "models/hs_cfa.lav", data = HS_CSV,
                          options = list(group = "school", group.equal = "loadings")))

run_tight <- function(case) {
  data <- read_data(case$data, rownames = is.null(case$rownames),
                    na = if (is.null(case$na)) character(0) else case$na)
  model <- read_model(case$model)
  default <- do.call("sem", c(list(model = model, data = data), case$options))
  tight <- do.call("sem", c(list(model = model, data = data), case$options, TIGHT))
  list(options = c(case$options, TIGHT), converged = lavInspect(tight, "converged"),
       max_gradient_default = max(abs(lavInspect(default, "optim.gradient"))),
       max_gradient_tight = max(abs(lavInspect(tight, "optim.gradient"))),
       fmin_default = default@optim$fx, fmin_tight = tight@optim$fx,
       modindices = table_of(modindices(tight, sort. = FALSE, na.remove = FALSE)))
}

out <- list(versions = list(R = R.version.string,
                            lavaan = as.character(packageVersion("lavaan"))),
            cases = lapply(cases, run_case), tight = lapply(tight_cases, run_tight))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", null = "null",
                  pretty = TRUE), OUT_FILE)
cat("wrote", OUT_FILE, "\n")
