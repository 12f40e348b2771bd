# lavaan's timings of the multi-group analyses in benchmarks/bench_groups.py.
# Run by hand from the repository root:  Rscript benchmarks/bench_lavaan_groups.R
suppressPackageStartupMessages(library(lavaan))
hs <- read.csv("datasets/holzinger_swineford/holzinger_swineford.csv", row.names = 1)
cr <- read.csv("datasets/corp_rep/corp_rep.csv", na.strings = c("NA", "-99"))
hs_model <- paste(readLines("models/hs_cfa.lav"), collapse = "\n")
cr_model <- paste(readLines("models/corp_rep.lav"), collapse = "\n")
ladder <- function(model, data, group) {
  for (eq in list("", "loadings", c("loadings", "intercepts"),
                  c("loadings", "intercepts", "residuals"))) {
    suppressWarnings(sem(model, data = data, group = group, group.equal = eq))
  }
}
best <- function(f) min(replicate(3, system.time(f())[["elapsed"]]))
cat("| analysis | model and groups | lavaan seconds (best of 3) |\n|---|---|---|\n")
cat(sprintf("| invariance ladder (4 fits) | hs_cfa by school | %.2f |\n", best(function() ladder(hs_model, hs, "school"))))
cat(sprintf("| invariance ladder (4 fits) | corp_rep by servicetype | %.2f |\n", best(function() ladder(cr_model, cr, "servicetype"))))
