# Multi-group fits and the measurement-invariance ladder, from lavaan.
#
# Run from the repository root:  Rscript tests/reference/make_groups_reference.R
# Writes tests/reference/groups/<name>.json with, for each step of the ladder
# (configural; metric: group.equal = "loadings"; scalar: + "intercepts";
# strict: + "residuals"; scalar_partial: scalar with group.partial =
# c("x3~1", "x7~1")), sem(model, data, group = <column>, group.equal = ...)
# with lavaan's defaults (ML, expected information, meanstructure added by
# the grouping, listwise deletion):
#   estimates  parameterEstimates(fit, standardized = TRUE) rows with group
#              number (1-based, in lavInspect(fit, "group.label") order), lhs,
#              op, rhs, label, est, se, std.all
#   fit        all fitMeasures(fit)
#   group_labels, nobs (per group)
# and lrt: lavTestLRT(configural, metric, scalar, strict) (chi-square
# difference tests, method "default" = standard for ML).
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })

cases <- list(
  hs_school = list(model = "models/hs_cfa.lav",
                   data = "datasets/holzinger_swineford/holzinger_swineford.csv",
                   rownames = TRUE, na = character(0), group = "school",
                   steps = c("configural", "metric", "scalar", "strict", "scalar_partial")),
  corp_rep_servicetype = list(model = "models/corp_rep.lav",
                              data = "datasets/corp_rep/corp_rep.csv",
                              rownames = FALSE, na = "-99", group = "servicetype",
                              steps = c("configural", "metric", "scalar")),
  hs_mimic_school = list(model = "tests/reference/models/hs_mimic.lav",
                         data = "datasets/holzinger_swineford/holzinger_swineford.csv",
                         rownames = TRUE, na = character(0), group = "school",
                         steps = c("configural", "metric", "scalar"))
)
wanted <- commandArgs(trailingOnly = TRUE)
if (length(wanted) > 0L) cases <- cases[wanted]
equal <- list(configural = "", metric = "loadings",
              scalar = c("loadings", "intercepts"),
              strict = c("loadings", "intercepts", "residuals"),
              scalar_partial = c("loadings", "intercepts"))
# partial invariance: these parameters stay free across groups
partial <- list(scalar_partial = c("x3~1", "x7~1"))

dir.create("tests/reference/groups", showWarnings = FALSE)
for (name in names(cases)) {
  case <- cases[[name]]
  d <- read.csv(case$data, row.names = if (case$rownames) 1L else NULL,
                na.strings = c("NA", case$na), stringsAsFactors = FALSE)
  syntax <- paste(readLines(case$model, warn = FALSE), collapse = "\n")
  fits <- list()
  out <- list(model = case$model, data = case$data, group = case$group,
              lavaan_version = as.character(packageVersion("lavaan")), steps = list())
  for (step in case$steps) {
    group_partial <- if (is.null(partial[[step]])) "" else partial[[step]]
    fit <- sem(syntax, data = d, group = case$group, group.equal = equal[[step]],
               group.partial = group_partial)
    fits[[step]] <- fit
    pe <- parameterEstimates(fit, standardized = TRUE)
    if (is.null(pe$label)) pe$label <- ""
    out$steps[[step]] <- list(
      group_equal = I(equal[[step]]),
      group_partial = I(if (is.null(partial[[step]])) character(0) else partial[[step]]),
      group_labels = I(lavInspect(fit, "group.label")),
      nobs = I(lavInspect(fit, "nobs")),
      converged = lavInspect(fit, "converged"),
      estimates = pe[, c("group", "lhs", "op", "rhs", "label", "est", "se", "std.all")],
      fit = as.list(fitMeasures(fit)))
    cat(name, step, "chisq", fitMeasures(fit, "chisq"), "df", fitMeasures(fit, "df"), "\n")
  }
  ladder <- fits[intersect(names(fits), c("configural", "metric", "scalar", "strict"))]
  lrt <- do.call(lavTestLRT, unname(ladder))
  out$lrt <- data.frame(step = names(ladder), df = lrt$Df, chisq = lrt$Chisq,
                        chisq_diff = lrt[["Chisq diff"]], df_diff = lrt[["Df diff"]],
                        pvalue = lrt[["Pr(>Chisq)"]])
  write_json(out, file.path("tests/reference/groups", paste0(name, ".json")),
             digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE)
}
