# Multi-group comparison of structural paths (lavaan), for loyaltysem.groups.compare_paths.
#
# Run from the repository root:  Rscript tests/reference/make_path_comparison_reference.R
# Writes tests/reference/groups/paths_<case>.json. For each case: the baseline
# multi-group model with equal loadings (metric invariance,
# sem(..., group = g, group.equal = "loadings")), and for every regression
# path the same model with that one path equal across groups
# (group.equal = c("loadings", "regressions"), group.partial = the other
# paths); chisq and df of each fit and the chi-square difference test
# (lavTestLRT) against the baseline. Labels and := lines are removed from the
# model first (a label would make a path equal across groups).
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })

hs_structural <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
textual ~ visual
speed   ~ visual + textual
"
source("tests/reference/strip_labels.R")  # labels and := lines removed
cases <- list(
  hs_school = list(syntax = hs_structural,
                   data = "datasets/holzinger_swineford/holzinger_swineford.csv",
                   rownames = TRUE, na = character(0), group = "school"),
  corp_rep_servicetype = list(
    syntax = strip_labels(paste(readLines("models/corp_rep.lav", warn = FALSE), collapse = "\n")),
    data = "datasets/corp_rep/corp_rep.csv", rownames = FALSE, na = "-99",
    group = "servicetype")
)
dir.create("tests/reference/groups", showWarnings = FALSE)
for (name in names(cases)) {
  case <- cases[[name]]
  d <- read.csv(case$data, row.names = if (case$rownames) 1L else NULL,
                na.strings = c("NA", case$na), stringsAsFactors = FALSE)
  base <- sem(case$syntax, data = d, group = case$group, group.equal = "loadings")
  pt <- parTable(base)
  regressions <- unique(paste0(pt$lhs[pt$op == "~"], "~", pt$rhs[pt$op == "~"]))
  paths <- list()
  for (path in regressions) {
    others <- setdiff(regressions, path)
    fit <- sem(case$syntax, data = d, group = case$group,
               group.equal = c("loadings", "regressions"),
               group.partial = if (length(others)) others else "")
    lrt <- lavTestLRT(base, fit)
    parts <- strsplit(path, "~", fixed = TRUE)[[1]]
    paths[[length(paths) + 1]] <- list(
      lhs = parts[1], rhs = parts[2], chisq = fitMeasures(fit, "chisq"),
      df = fitMeasures(fit, "df"), chisq_diff = lrt[["Chisq diff"]][2],
      df_diff = lrt[["Df diff"]][2], pvalue = lrt[["Pr(>Chisq)"]][2])
  }
  pe <- parameterEstimates(base)
  pe <- pe[pe$op == "~", c("group", "lhs", "rhs", "est", "se")]
  out <- list(syntax = case$syntax, group = case$group,
              group_labels = I(lavInspect(base, "group.label")),
              baseline = list(chisq = fitMeasures(base, "chisq"), df = fitMeasures(base, "df")),
              estimates = pe, paths = paths)
  write_json(out, file.path("tests/reference/groups", paste0("paths_", name, ".json")),
             digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE)
  cat(name, length(paths), "paths\n")
}
