# lavaan's bootstrap of a full-information ML fit (missing = "ml"), for tests/test_fiml.py.
#
# Run from the repository root:  Rscript tests/reference/make_fiml_bootstrap_reference.R
# Writes tests/reference/fiml/bootstrap_<case>.json: set.seed(20261123);
# sem(model, data, missing = "ml", se = "bootstrap", bootstrap = 1000);
# parameterEstimates(boot.ci.type = "perc") rows with op "~" or ":=" (est, se,
# ci.lower, ci.upper) and the number of failed resamples.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
cases <- list(
  hs_cfa = list(model = "hs_structural", data = "tests/reference/data/hs_missing.csv")
)
hs_structural <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
textual ~ a*visual
speed   ~ b*textual + visual
ind := a*b
"
d <- read.csv("tests/reference/data/hs_missing.csv")
set.seed(20261123)
seconds <- system.time(fit <- sem(hs_structural, data = d, missing = "ml", se = "bootstrap",
                                  bootstrap = 1000))[["elapsed"]]
pe <- parameterEstimates(fit, boot.ci.type = "perc")
pe <- pe[pe$op %in% c("~", ":="), c("lhs", "op", "rhs", "est", "se", "ci.lower", "ci.upper")]
boot <- lavInspect(fit, "boot")
out <- list(syntax = hs_structural, data = "tests/reference/data/hs_missing.csv", R = 1000,
            seed = 20261123, n_failed = sum(!stats::complete.cases(boot)),
            elapsed_seconds = seconds, estimates = pe)
write_json(out, "tests/reference/fiml/bootstrap_hs_structural.json", digits = NA,
           auto_unbox = TRUE, na = "null", pretty = TRUE)
cat("done in", seconds, "s\n")
