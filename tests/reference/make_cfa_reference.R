# Latent correlations of the measurement model (CFA) with delta-method 95% CIs,
# the input of the Ronkko & Cho (2022) discriminant-validity check.
#
# Run from the repository root:  Rscript tests/reference/make_cfa_reference.R
# Writes tests/reference/validity/<model>_cfa.json: the =~ lines (and fixed
# single-item error variances) of each model fitted with lavaan::cfa() on the
# complete cases, and the rows of standardizedSolution() between latent
# variables (lhs, rhs, est.std, se, ci.lower, ci.upper).
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
models <- list(
  hs_cfa   = list(file = "models/hs_cfa.lav", data = "datasets/holzinger_swineford/holzinger_swineford.csv", na = c()),
  ecsi     = list(file = "models/ecsi.lav", data = "datasets/mobi/mobi.csv", na = c()),
  corp_rep = list(file = "models/corp_rep.lav", data = "datasets/corp_rep/corp_rep.csv", na = c(-99))
)
for (name in names(models)) {
  spec <- models[[name]]
  d <- read.csv(spec$data, na.strings = c("NA", as.character(spec$na)))
  lines <- readLines(spec$file, warn = FALSE)
  lines <- sub("#.*$", "", lines)
  keep <- grepl("=~", lines) | grepl("~~ *0\\*", lines)
  syntax <- paste(lines[keep], collapse = "\n")
  ov <- lavNames(lavaanify(syntax), "ov")
  d <- d[complete.cases(d[, ov]), ]
  fit <- cfa(syntax, data = d)
  std <- standardizedSolution(fit)
  lv <- lavNames(fit, "lv")
  rows <- std[std$op == "~~" & std$lhs != std$rhs & std$lhs %in% lv & std$rhs %in% lv,
              c("lhs", "rhs", "est.std", "se", "ci.lower", "ci.upper")]
  write_json(list(model = name, syntax = syntax, nobs = nrow(d), chisq = fitMeasures(fit, "chisq"),
                  latent_correlations = rows),
             file.path("tests/reference/validity", paste0(name, "_cfa.json")),
             digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE)
  cat(name, nrow(rows), "latent correlations\n")
}
