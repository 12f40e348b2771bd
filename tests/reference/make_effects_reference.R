# Reference values for indirect / total effects (user-defined `:=`
# parameters): delta-method, Monte Carlo (semTools::monteCarloCI), MLR and
# bootstrap results from lavaan, so the Python tests never need R.
#
# Run from the repository root:
#   Rscript tests/reference/make_effects_reference.R                  # all models
#   Rscript tests/reference/make_effects_reference.R loyalty_chain    # only some
#
# Writes tests/reference/effects/<model>.json for
#   loyalty_chain  datasets/loyalty_chain/loyalty_chain.csv (N = 500), the
#                  serial-mediation model written below (SAT -> TRU -> VAL -> LOY)
#   corp_rep       models/corp_rep.lav on datasets/corp_rep/corp_rep.csv
#                  (-99 = missing, listwise on the model variables: 336 rows)
# Each file holds, for sem(model, data = d) with lavaan's defaults:
#   estimates       parameterEstimates() rows with op "~" or ":=" (delta-method SEs)
#   standardized    standardizedSolution() rows with op "~" or ":=" (std.all)
#   monte_carlo     semTools::monteCarloCI(fit, nRep = 100000, level = 0.95,
#                   standardized = FALSE) after set.seed(20261123); the
#                   arguments used are in monte_carlo_args
#   monte_carlo_std the same with standardized = TRUE (again after set.seed)
#   mlr             estimator = "MLR": parameterEstimates() est/se rows with op
#                   "~", ":=", "=~", "~~", all fitMeasures(), some options
#   bootstrap       set.seed(20261123); se = "bootstrap", bootstrap = 2000
#                   (always 2000 draws: the output does not depend on how fast
#                   the machine is); percentile intervals; bootstrap_bca_simple
#                   has the "bca.simple" intervals of the same bootstrap fit
# No timings are written: the output is the same on every machine (fixed draw
# counts and seeds), so a regenerated file differs only if lavaan does.
# JSON nulls are R's NA; numbers are written with 15 significant digits.
suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(jsonlite)
})

SEED <- 20261123L
MC_NREP <- 100000L
BOOT_R <- 2000L           # fixed: never chosen from the machine's speed
out_dir <- "tests/reference/effects"

loyalty_chain_syntax <- "
SAT =~ sat_1 + sat_2 + sat_3 + sat_4
TRU =~ tru_1 + tru_2 + tru_3
VAL =~ val_1 + val_2 + val_3
LOY =~ loy_1 + loy_2 + loy_3 + loy_4
TRU ~ a*SAT
VAL ~ b*TRU + d*SAT
LOY ~ c*VAL + e*SAT + f*TRU
# every specific indirect effect and the totals
ind_SAT_TRU_VAL_LOY := a*b*c
ind_SAT_TRU_LOY := a*f
ind_SAT_VAL_LOY := d*c
ind_TRU_VAL_LOY := b*c
ind_SAT_TRU_VAL := a*b
total_ind_SAT_LOY := a*b*c + a*f + d*c
total_SAT_LOY := e + a*b*c + a*f + d*c
total_ind_SAT_VAL := a*b
total_SAT_VAL := d + a*b
total_TRU_LOY := f + b*c
"

models <- list(
  loyalty_chain = list(syntax = loyalty_chain_syntax, syntax_file = NULL,
                       data = "datasets/loyalty_chain/loyalty_chain.csv",
                       na = character(0)),
  corp_rep = list(syntax = NULL, syntax_file = "models/corp_rep.lav",
                  data = "datasets/corp_rep/corp_rep.csv", na = "-99")
)

args <- commandArgs(trailingOnly = TRUE)
if (length(args) > 0L) {
  bad <- setdiff(args, names(models))
  if (length(bad) > 0L) stop("unknown model(s): ", paste(bad, collapse = ", "))
  models <- models[args]
}

# ---- helpers -----------------------------------------------------------------

# Evaluate `expr`, collecting warnings (as strings) and a possible error.
capture <- function(expr) {
  warns <- character(0)
  value <- tryCatch(
    withCallingHandlers(expr, warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    }),
    error = function(e) structure(conditionMessage(e), class = "capture_error")
  )
  err <- if (inherits(value, "capture_error")) unclass(value) else NULL
  if (!is.null(err)) value <- NULL
  list(value = value, warnings = warns, error = err)
}

# Rows of a lavaan table with op in `ops`, keeping the columns `cols` (those
# that exist: `label` is absent when a model has no labels).
rows_of <- function(tab, ops, cols) {
  tab <- as.data.frame(tab)
  tab <- tab[tab$op %in% ops, intersect(cols, names(tab)), drop = FALSE]
  rownames(tab) <- NULL
  tab
}

# A matrix as {"names": [...], "values": [[row], ...]}.
mat_obj <- function(m) {
  m <- unclass(m)
  list(names = I(rownames(m)), values = unname(as.matrix(m)))
}

# monteCarloCI() with the given arguments, after set.seed(SEED). Records the
# result table (one row per := parameter) plus, for reimplementation checks,
# the sampled parameters, their means and covariance matrix (what
# MASS::mvrnorm was given) and the SD of each := parameter over the draws.
monte_carlo <- function(fit, standardized) {
  mc_args <- list(nRep = MC_NREP, standardized = standardized, fast = TRUE,
                  level = 0.95, na.rm = TRUE, append.samples = TRUE,
                  plot = FALSE)
  set.seed(SEED)
  res <- capture(do.call(semTools::monteCarloCI, c(list(object = fit), mc_args)))
  if (!is.null(res$error)) {
    return(list(error = res$error, warnings = I(res$warnings), args = mc_args))
  }
  tab <- res$value$Results
  class(tab) <- "data.frame"   # drop lavaan.data.frame, keep the row names
  est_col <- intersect(c("est", "est.std"), names(tab))[1]
  table <- data.frame(name = rownames(tab), est = tab[[est_col]],
                      ci.lower = tab$ci.lower, ci.upper = tab$ci.upper,
                      stringsAsFactors = FALSE)
  samples <- res$value$Samples
  def_names <- rownames(tab)
  sampled <- setdiff(names(samples), def_names)
  # Rebuild what monteCarloCI handed to MASS::mvrnorm (mu, Sigma).
  if (standardized) {
    STD <- standardizedSolution(fit)
    keep <- !(STD$op %in% c(":=", "==", "<", ">", "<=", ">="))
    coefs <- STD$est.std[keep]
    names(coefs) <- lavaan::lav_partable_labels(STD[keep, ])
    acm <- lavInspect(fit, "vcov.std.all")[sampled, sampled]
  } else {
    coefs <- coef(fit)
    acm <- vcov(fit)[sampled, sampled]
  }
  list(
    est_column = est_col,
    results = table,
    sampled_parameters = I(sampled),
    mu = as.list(coefs[sampled]),
    sigma = mat_obj(acm),
    sample_sd = as.list(sapply(samples[def_names], sd)),
    sample_mean = as.list(sapply(samples[def_names], mean)),
    quantile_type = 7L,
    warnings = I(res$warnings)
  )
}

bootstrap_fit <- function(syntax, d, R) {
  set.seed(SEED)
  bw <- capture(sem(syntax, data = d, se = "bootstrap", bootstrap = R))
  list(bw = bw, R = R)
}

# ---- per model ---------------------------------------------------------------

dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

for (name in names(models)) {
  spec <- models[[name]]
  syntax <- if (is.null(spec$syntax)) {
    paste(readLines(spec$syntax_file, warn = FALSE), collapse = "\n")
  } else spec$syntax
  d <- read.csv(spec$data, na.strings = c("NA", spec$na))

  ml <- capture(sem(syntax, data = d))
  if (!is.null(ml$error)) stop(name, ": ", ml$error)
  fit <- ml$value

  out <- list(
    model = name,
    lavaan_version = as.character(packageVersion("lavaan")),
    semTools_version = as.character(packageVersion("semTools")),
    R_version = paste(R.version$major, R.version$minor, sep = "."),
    syntax = syntax,
    syntax_file = spec$syntax_file,
    data = spec$data,
    na_values = I(spec$na),
    nobs = lavInspect(fit, "nobs"),
    norig = nrow(d),
    converged = lavInspect(fit, "converged"),
    warnings = I(ml$warnings),
    seed = SEED
  )

  # ---- delta method ----
  out$estimates <- rows_of(parameterEstimates(fit), c("~", ":="),
                           c("lhs", "op", "rhs", "label", "est", "se", "z",
                             "pvalue", "ci.lower", "ci.upper"))
  out$standardized <- rows_of(standardizedSolution(fit), c("~", ":="),
                              c("lhs", "op", "rhs", "label", "est.std", "se",
                                "z", "pvalue", "ci.lower", "ci.upper"))

  # ---- Monte Carlo ----
  mc_formals <- formals(semTools::monteCarloCI)
  mc_signature <- deparse(args(semTools::monteCarloCI))
  mc_signature <- paste(trimws(mc_signature[mc_signature != "NULL"]), collapse = " ")
  out$monte_carlo_args <- list(
    call = sprintf("set.seed(%d); semTools::monteCarloCI(fit, nRep = %d, standardized = <FALSE|TRUE>, fast = TRUE, level = 0.95, na.rm = TRUE, append.samples = TRUE, plot = FALSE)",
                   SEED, MC_NREP),
    seed = SEED, nRep = MC_NREP, level = 0.95, fast = TRUE, na.rm = TRUE,
    append.samples = TRUE,
    append.samples_note = "only adds $Samples to the result; the draws and the $Results table are the same as with FALSE",
    plot = FALSE,
    signature = mc_signature,
    defaults = lapply(mc_formals[c("nRep", "standardized", "fast", "level",
                                   "na.rm", "append.samples", "plot")], eval),
    sampler = "MASS::mvrnorm(n = nRep, mu = coef(fit)[used], Sigma = vcov(fit)[used, used]); standardized = TRUE uses standardizedSolution()$est.std and lavInspect(fit, 'vcov.std.all')",
    interval = "quantile(type = 7, probs = c((1 - level)/2, 1 - (1 - level)/2)) of each := function over the draws",
    result_columns = "est (est.std when standardized = TRUE), ci.lower, ci.upper; rownames = := names"
  )
  out$monte_carlo <- monte_carlo(fit, standardized = FALSE)
  out$monte_carlo_std <- monte_carlo(fit, standardized = TRUE)

  # ---- MLR ----
  mw <- capture(sem(syntax, data = d, estimator = "MLR"))
  if (!is.null(mw$error)) {
    out$mlr <- list(error = mw$error, warnings = I(mw$warnings))
  } else {
    fm <- mw$value
    fmv <- fitMeasures(fm)
    out$mlr <- list(
      converged = lavInspect(fm, "converged"),
      nobs = lavInspect(fm, "nobs"),
      warnings = I(mw$warnings),
      estimates = rows_of(parameterEstimates(fm), c("~", ":=", "=~", "~~"),
                          c("lhs", "op", "rhs", "label", "est", "se")),
      fit = as.list(setNames(as.numeric(fmv), names(fmv))),
      fit_names = I(names(fmv)),
      options = lavInspect(fm, "options")[c("information",
                                            "observed.information",
                                            "h1.information", "se", "test")]
    )
  }

  # ---- bootstrap ----
  b <- bootstrap_fit(syntax, d, BOOT_R)
  bw <- b$bw
  if (!is.null(bw$error)) {
    out$bootstrap <- list(error = bw$error, warnings = I(bw$warnings), R = b$R)
  } else {
    fb <- bw$value
    B <- lavInspect(fb, "boot")
    err_idx <- attr(B, "error.idx")
    nonadm <- attr(B, "nonadmissible")
    boot_cols <- c("lhs", "op", "rhs", "label", "est", "se", "ci.lower", "ci.upper")
    out$bootstrap <- list(
      seed = SEED,
      R = b$R,
      boot.ci.type = "perc",
      boot_rows = nrow(B),
      n_failed = length(err_idx),
      n_successful = nrow(B) - length(err_idx),
      n_nonadmissible = if (is.null(nonadm)) NA else length(nonadm),
      converged = lavInspect(fb, "converged"),
      warnings = I(bw$warnings),
      estimates = rows_of(parameterEstimates(fb, boot.ci.type = "perc"),
                          c("~", ":="), boot_cols)
    )
    out$bootstrap_bca_simple <- list(
      boot.ci.type = "bca.simple",
      R = b$R,
      boot_rows = nrow(B),
      estimates = rows_of(parameterEstimates(fb, boot.ci.type = "bca.simple"),
                          c("~", ":="), boot_cols)
    )
  }

  path <- file.path(out_dir, paste0(name, ".json"))
  write_json(out, path, digits = NA, auto_unbox = TRUE, na = "null",
             pretty = TRUE)
  cat(sprintf("%-14s nobs=%d converged=%s boot R=%d rows=%s failed=%s -> %s\n",
              name, out$nobs, out$converged, b$R,
              if (is.null(bw$error)) nrow(B) else "NA",
              if (is.null(bw$error)) length(err_idx) else "NA", path))
  if (length(ml$warnings) > 0L) {
    cat(sprintf("%-14s warnings: %s\n", name, paste(ml$warnings, collapse = " | ")))
  }
}
