# Reference values for composite-score VIFs and the unmeasured method factor.
# Run from the repository root: Rscript tests/reference/make_collinearity_reference.R
# Writes tests/reference/validity/<model>_collinearity.json:
# - full_vif: Kock's full-collinearity VIF of unit-weighted composites,
#   diag(solve(cor(composites)));
# - method: chi-square of the CFA and of the CFA plus a method factor on every
#   item (loadings free, variance 1, orthogonal to the constructs), lavaan::cfa().
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
models <- list(
  ecsi = list(file = "models/ecsi.lav", data = "datasets/mobi/mobi.csv", na = c()),
  corp_rep = list(file = "models/corp_rep.lav", data = "datasets/corp_rep/corp_rep.csv", na = c(-99)))
for (name in names(models)) {
  spec <- models[[name]]
  d <- read.csv(spec$data, na.strings = c("NA", as.character(spec$na)))
  lines <- sub("#.*$", "", readLines(spec$file, warn = FALSE))
  keep <- grepl("=~", lines) | grepl("~~ *0\\*", lines)
  cfa_syntax <- paste(lines[keep], collapse = "\n")
  pt <- lavaanify(cfa_syntax)
  d <- d[complete.cases(d[, lavNames(pt, "ov")]), ]
  blocks <- split(pt$rhs[pt$op == "=~"], pt$lhs[pt$op == "=~"])
  blocks <- blocks[unique(pt$lhs[pt$op == "=~"])]
  scores <- sapply(blocks, function(items) rowMeans(d[, items, drop = FALSE]))
  full_vif <- as.list(diag(solve(cor(scores))))
  items <- unique(unlist(blocks))
  method <- paste0("METHOD =~ ", paste0("NA*", items, collapse = " + "), "\nMETHOD ~~ 1*METHOD\n",
                   paste0("METHOD ~~ 0*", names(blocks), collapse = "\n"))
  f0 <- cfa(cfa_syntax, data = d)
  f1 <- cfa(paste(cfa_syntax, method, sep = "\n"), data = d)
  write_json(list(model = name, full_vif = full_vif,
                  chisq_cfa = fitMeasures(f0, "chisq"), chisq_method = fitMeasures(f1, "chisq"),
                  df_cfa = fitMeasures(f0, "df"), df_method = fitMeasures(f1, "df"),
                  method_converged = lavInspect(f1, "converged")),
             file.path("tests/reference/validity", paste0(name, "_collinearity.json")),
             digits = NA, auto_unbox = TRUE, pretty = TRUE)
  cat(name, "done\n")
}
