# lavaan's bootstrap timings, for the comparison in benchmarks/README.md.
#
# Run by hand from the repository root:
#   Rscript benchmarks/bench_lavaan_bootstrap.R corp_rep 1000
#   Rscript benchmarks/bench_lavaan_bootstrap.R ecsi 1000        # about 11 minutes
#
# For each model: sem(model, data, se = "bootstrap", bootstrap = B) with
# lavaan's defaults (ML, listwise deletion), once on 1 core and once with
# parallel = "multicore", ncpus = 2; wall time of the whole call (single fit
# included, as loyaltysem's timings include their full-sample statistics).
# Prints a Markdown row per run with the number of failed resamples
# (lavaan keeps them as NA rows of the bootstrap matrix).
suppressPackageStartupMessages(library(lavaan))

args <- commandArgs(trailingOnly = TRUE)
name <- if (length(args) >= 1) args[[1]] else "corp_rep"
n_boot <- if (length(args) >= 2) as.integer(args[[2]]) else 1000L

data_files <- list(
  corp_rep = "datasets/corp_rep/corp_rep.csv",
  ecsi = "datasets/mobi/mobi.csv"
)
model <- paste(readLines(file.path("models", paste0(name, ".lav"))), collapse = "\n")
d <- read.csv(data_files[[name]], na.strings = c("NA", "-99"))

cat(sprintf("lavaan %s, %s\n\n", packageVersion("lavaan"), R.version.string))
cat("| model | resamples | cores | seconds | failed resamples |\n|---|---|---|---|---|\n")
for (cores in c(1L, 2L)) {
  set.seed(2026)
  parallel <- if (cores == 1L) "no" else "multicore"
  seconds <- system.time(
    fit <- sem(model, data = d, se = "bootstrap", bootstrap = n_boot,
               parallel = parallel, ncpus = cores)
  )[["elapsed"]]
  boot <- lavInspect(fit, "boot")
  failed <- sum(!stats::complete.cases(boot))
  if (!is.null(attr(boot, "error.idx"))) failed <- max(failed, length(attr(boot, "error.idx")))
  cat(sprintf("| %s | %d | %d | %.1f | %d |\n", name, n_boot, cores, seconds, failed))
}
