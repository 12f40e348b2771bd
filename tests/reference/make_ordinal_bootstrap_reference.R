# Bootstrap SEs of an ordinal fit by lavaan, for tests/test_ordinal_bootstrap.py.
# lavaan refuses se = "bootstrap" with estimator = "WLSMV" ("use (D)WLS estimator for
# bootstrap"): DWLS gives the same estimates; its bootstrap refits every resample with
# its own thresholds, polychorics and weights. The data: the chain_wlsmv case's corp_rep
# items with the answers 1-3 merged (no rare category, so no resample loses one).
# Run from the repository root:
#   Rscript tests/reference/make_ordinal_bootstrap_reference.R
suppressMessages(library(lavaan))
library(jsonlite)
items <- c("comp_1", "comp_2", "comp_3", "like_1", "like_2", "like_3",
           "cusl_1", "cusl_2", "cusl_3")
d <- read.csv("tests/reference/ordinal/data/corp_rep.csv")[, items]
d <- d[complete.cases(d), ]
d[d < 3] <- 3
model <- 'COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSL =~ cusl_1 + cusl_2 + cusl_3
LIKE ~ a*COMP
CUSL ~ b*LIKE + COMP
ab := a*b'
B <- 1000L
set.seed(20261203)
started <- proc.time()
fit <- sem(model, d, ordered = TRUE, estimator = "DWLS", se = "bootstrap",
           bootstrap = B, test = "none")
elapsed <- (proc.time() - started)[["elapsed"]]
robust <- parameterEstimates(sem(model, d, ordered = TRUE, estimator = "WLSMV"))
pe <- parameterEstimates(fit)
keep <- pe$op %in% c("=~", "~", "|", ":=") & pe$se > 0
out <- list(
  model = model, items = items, clip_lower = 3, bootstrap = B,
  n_converged = nrow(lavInspect(fit, "boot")),
  seconds = elapsed, seconds_per_resample = elapsed / B,
  estimates = data.frame(lhs = pe$lhs[keep], op = pe$op[keep], rhs = pe$rhs[keep],
                         est = pe$est[keep], boot_se = pe$se[keep],
                         robust_se = robust$se[keep]),
  versions = list(lavaan = as.character(packageVersion("lavaan")),
                  R = R.version.string))
write_json(out, "tests/reference/ordinal_bootstrap/chain_clipped.json", digits = NA,
           pretty = TRUE, auto_unbox = TRUE)
