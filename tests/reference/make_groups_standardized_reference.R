# Reference values for lavaan's standardizedSolution() of multi-group fits (std.all per
# group, delta-method standard errors from the covariance of all groups' estimates).
#
# Run from the repository root:  Rscript tests/reference/make_groups_standardized_reference.R
# Writes tests/reference/groups/standardized.json: per case the sem() call, lavaan's
# version and the rows of standardizedSolution(fit) (group label, lhs, op, rhs, est.std,
# se, z, pvalue, ci.lower, ci.upper). Every fit uses optim.method = "BFGS" with reltol
# 1e-14 (lavaan's default nlminb stops ~1e-6 from the optimum; the values then depend on
# where it stopped, not on the model).
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })

HS_CSV <- "datasets/holzinger_swineford/holzinger_swineford.csv"
CR_CSV <- "datasets/corp_rep/corp_rep.csv"
TIGHT <- list(optim.method = "BFGS", control = list(reltol = 1e-14))
read_model <- function(path) paste(readLines(path, warn = FALSE), collapse = "\n")

cases <- list(
  hs_school_metric = list(model = "models/hs_cfa.lav", data = HS_CSV, na = c(), rownames = TRUE,
                          group = "school", group.equal = "loadings", estimator = "ML",
                          missing = "listwise"),
  hs_mimic_school_scalar = list(model = "tests/reference/models/hs_mimic.lav", data = HS_CSV,
                                na = c(), rownames = TRUE, group = "school",
                                group.equal = c("loadings", "intercepts"), estimator = "ML",
                                missing = "listwise"),
  corp_rep_servicetype_mlr = list(model = "models/corp_rep.lav", data = CR_CSV, na = c(-99),
                                  rownames = FALSE, group = "servicetype",
                                  group.equal = "", estimator = "MLR",
                                  missing = "listwise"),
  corp_rep_servicetype_fiml = list(model = "models/corp_rep.lav", data = CR_CSV, na = c(-99),
                                   rownames = FALSE, group = "servicetype",
                                   group.equal = "loadings", estimator = "ML", missing = "ml")
)

out <- list()
for (name in names(cases)) {
  case <- cases[[name]]
  d <- read.csv(case$data, row.names = if (case$rownames) 1L else NULL,
                na.strings = c("NA", as.character(case$na)))
  args <- c(list(model = read_model(case$model), data = d, group = case$group,
                 group.equal = case$group.equal, estimator = case$estimator,
                 missing = case$missing), TIGHT)
  fit <- suppressWarnings(do.call("sem", args))
  std <- standardizedSolution(fit)
  labels <- lavInspect(fit, "group.label")
  std$group_label <- ifelse(std$group > 0, labels[pmax(std$group, 1L)], "")
  out[[name]] <- list(
    model = case$model, group = case$group, group_equal = I(case$group.equal),
    estimator = case$estimator, missing = case$missing, na = I(as.numeric(case$na)),
    converged = lavInspect(fit, "converged"),
    lavaan_version = as.character(packageVersion("lavaan")),
    rows = std[, c("group_label", "lhs", "op", "rhs", "est.std", "se", "z", "pvalue",
                   "ci.lower", "ci.upper")])
  cat(name, nrow(std), "rows, converged", lavInspect(fit, "converged"), "\n")
}
write_json(out, "tests/reference/groups/standardized.json", digits = NA, auto_unbox = TRUE,
           na = "null", pretty = TRUE)
