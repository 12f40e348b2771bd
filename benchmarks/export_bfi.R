# Export psych's bfi (25 Big Five items of 2,800 SAPA respondents) to a CSV.
#   Rscript benchmarks/export_bfi.R [out.csv]     (default benchmarks/data/bfi.csv)
# psych is GPL (>= 2) and loyaltysem is MIT, so the CSV is not committed:
# bench_floor.py runs this script when the file is missing (benchmarks/data/ is
# in .gitignore). Missing answers are written as empty fields.
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "benchmarks/data/bfi.csv"
suppressPackageStartupMessages(library(psych))
data("bfi", package = "psych", envir = environment())
items <- bfi[, c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5),
                 paste0("O", 1:5))]
dir.create(dirname(out), showWarnings = FALSE, recursive = TRUE)
write.csv(items, out, row.names = FALSE, na = "")
cat(sprintf("wrote %s: %d rows, %d complete, psych %s\n", out, nrow(items),
            sum(complete.cases(items)), as.character(packageVersion("psych"))))
