#!/usr/bin/env Rscript
# -----------------------------------------------------------------------------
# make_reference.R -- lavaan reference results for the loyaltysem test suite.
#
# What it produces
#   tests/reference/lavaan/<model>.json, one file per model, holding lavaan's
#   ML fit (all defaults of sem(): ML, listwise deletion, expected
#   information, fixed.x = TRUE, ...) and the same model with
#   estimator = "MLR": parameter estimates (with standardized solutions and
#   the parTable `free` index), all fitMeasures(), R-squares, implied /
#   residual / sample covariance matrices, correlation residuals, vcov(), the
#   warnings lavaan gave, and for corp_rep and ecsi a percentile bootstrap.
#   The Python tests read these JSON files; they never need R.
#
# Models
#   shipped:  models/hs_cfa.lav, models/poldem.lav, models/ecsi.lav,
#             models/corp_rep.lav
#   extra:    tests/reference/models/{hs_mimic,poldem_eq,pd_path,hs_single,
#             hs_second_order,hs_std_lv,hs_mixed}.lav
#
# How to run (from the repository root; needs R with lavaan and jsonlite):
#   Rscript tests/reference/make_reference.R              # all models
#   Rscript tests/reference/make_reference.R hs_cfa ecsi  # only some models
# Environment variables (optional):
#   LOYALTYSEM_BOOT_R       bootstrap draws (default 1000)
#   LOYALTYSEM_ECSI_BOOT_R  bootstrap draws for ecsi (default: LOYALTYSEM_BOOT_R)
#   LOYALTYSEM_NO_BOOT=1    skip the bootstrap fits (the JSON then has no
#                           "bootstrap" key; do not commit files made so)
#
# The script prints one summary line per model (ML fit):
#   chisq, df, cfi, rmsea, srmr, converged.
# -----------------------------------------------------------------------------

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

# ---- locate the repository root (script lives in tests/reference/) ---------
script_path <- local({
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  if (length(f) == 1L) normalizePath(f) else NA_character_
})
root <- if (!is.na(script_path)) {
  normalizePath(file.path(dirname(script_path), "..", ".."))
} else {
  getwd()
}
setwd(root)
out_dir <- file.path("tests", "reference", "lavaan")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

BOOT_SEED <- 20261123L
BOOT_R <- as.integer(Sys.getenv("LOYALTYSEM_BOOT_R", "1000"))
ECSI_BOOT_R <- as.integer(Sys.getenv("LOYALTYSEM_ECSI_BOOT_R", as.character(BOOT_R)))
NO_BOOT <- identical(Sys.getenv("LOYALTYSEM_NO_BOOT"), "1")

# ---- models and data ---------------------------------------------------------
HS <- "datasets/holzinger_swineford/holzinger_swineford.csv"
PD <- "datasets/political_democracy/political_democracy.csv"
MOBI <- "datasets/mobi/mobi.csv"
CORP <- "datasets/corp_rep/corp_rep.csv"

MODELS <- list(
  hs_cfa    = list(file = "models/hs_cfa.lav",   data = HS,   rownames = TRUE,  na = numeric(0)),
  poldem    = list(file = "models/poldem.lav",   data = PD,   rownames = TRUE,  na = numeric(0)),
  ecsi      = list(file = "models/ecsi.lav",     data = MOBI, rownames = FALSE, na = numeric(0),
                   boot = ECSI_BOOT_R, extra_lv = TRUE),
  corp_rep  = list(file = "models/corp_rep.lav", data = CORP, rownames = FALSE, na = -99,
                   boot = BOOT_R),
  hs_mimic  = list(file = "tests/reference/models/hs_mimic.lav",  data = HS, rownames = TRUE, na = numeric(0)),
  poldem_eq = list(file = "tests/reference/models/poldem_eq.lav", data = PD, rownames = TRUE, na = numeric(0)),
  pd_path   = list(file = "tests/reference/models/pd_path.lav",   data = PD, rownames = TRUE, na = numeric(0)),
  hs_single = list(file = "tests/reference/models/hs_single.lav", data = HS, rownames = TRUE, na = numeric(0)),
  hs_second_order = list(file = "tests/reference/models/hs_second_order.lav", data = HS, rownames = TRUE, na = numeric(0)),
  hs_std_lv = list(file = "tests/reference/models/hs_std_lv.lav", data = HS, rownames = TRUE, na = numeric(0)),
  hs_mixed  = list(file = "tests/reference/models/hs_mixed.lav",  data = HS, rownames = TRUE, na = numeric(0))
)

wanted <- commandArgs(trailingOnly = TRUE)
if (length(wanted) > 0L) {
  unknown <- setdiff(wanted, names(MODELS))
  if (length(unknown) > 0L) stop("unknown model(s): ", paste(unknown, collapse = ", "))
  MODELS <- MODELS[wanted]
}

read_data <- function(spec) {
  d <- read.csv(spec$data,
                row.names = if (spec$rownames) 1L else NULL,
                na.strings = c("NA", as.character(spec$na)),
                check.names = FALSE, stringsAsFactors = FALSE)
  d
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

# A matrix as {"names": [...], "values": [[row], ...]}.
mat_obj <- function(m) {
  if (is.null(m)) return(NULL)
  m <- unclass(m)
  list(names = I(rownames(m)), values = unname(as.matrix(m)))
}

# parameterEstimates() rows, plus parTable()$free (and $exo) matched on
# lhs/op/rhs (and block, when present).
estimates_rows <- function(fit, ...) {
  pe <- as.data.frame(parameterEstimates(fit, ...))
  pt <- as.data.frame(parTable(fit))
  key <- function(d) {
    k <- paste(d$lhs, d$op, d$rhs, sep = "\r")
    if (!is.null(d$block) && !is.null(pe$block)) k <- paste(k, d$block, sep = "\r")
    k
  }
  stopifnot(!anyDuplicated(key(pt)[pt$op != "=="]))
  idx <- match(key(pe), key(pt))
  if (anyNA(idx)) stop("parameterEstimates rows not found in parTable")
  pe$free <- as.integer(pt$free[idx])
  pe$exo <- as.integer(pt$exo[idx])
  rownames(pe) <- NULL
  pe
}

fit_list <- function(fit) {
  fm <- fitMeasures(fit)
  as.list(setNames(as.numeric(fm), names(fm)))
}

options_subset <- function(fit) {
  o <- lavInspect(fit, "options")
  keep <- c("estimator", "se", "test", "information", "observed.information",
            "h1.information", "likelihood", "missing", "meanstructure",
            "fixed.x", "conditional.x", "auto.cov.y", "auto.cov.lv.x",
            "auto.var", "auto.fix.first", "std.lv", "ceq.simple",
            "check.post", "bootstrap")
  res <- o[intersect(keep, names(o))]
  lapply(res, function(v) if (length(v) > 1L) I(v) else v)
}

summary_line <- function(name, fit, tag = "ML") {
  # ML: the standard statistics; MLR: the scaled chi-square and the robust
  # CFI / RMSEA (SRMR is the same for both).
  sfx <- if (tag == "MLR") c(".scaled", ".robust", ".robust") else c("", "", "")
  nm <- c(paste0("chisq", sfx[1]), paste0("df", sfx[1]),
          paste0("cfi", sfx[2]), paste0("rmsea", sfx[3]), "srmr")
  fm <- fitMeasures(fit, nm)
  sprintf("%-10s %-3s chisq=%10.4f df=%3d cfi=%.4f rmsea=%.4f srmr=%.4f converged=%s",
          name, tag, fm[[1]], as.integer(fm[[2]]), fm[[3]], fm[[4]], fm[[5]],
          lavInspect(fit, "converged"))
}

# ---- one model -----------------------------------------------------------------
run_model <- function(name, spec) {
  syntax <- paste(readLines(spec$file, warn = FALSE), collapse = "\n")
  d <- read_data(spec)

  ml <- capture(sem(syntax, data = d))
  if (!is.null(ml$error)) stop(name, ": ML fit failed: ", ml$error)
  fit <- ml$value

  # extraction (some extractors warn, e.g. for non-positive-definite matrices)
  ex <- capture(list(
    nobs = lavInspect(fit, "nobs"),
    norig = lavInspect(fit, "norig"),
    converged = lavInspect(fit, "converged"),
    estimates = estimates_rows(fit, standardized = TRUE, rsquare = FALSE),
    fit = fit_list(fit),
    r2 = as.list(lavInspect(fit, "rsquare")),
    implied_cov = mat_obj(lavInspect(fit, "implied")$cov),
    residual_cov = mat_obj(resid(fit, type = "raw")$cov),
    sample_cov = mat_obj(lavInspect(fit, "sampstat")$cov),
    std_resid_cor = mat_obj(resid(fit, type = "cor")$cov),
    vcov = mat_obj(vcov(fit)),
    options = options_subset(fit)
  ))
  if (!is.null(ex$error)) stop(name, ": extraction failed: ", ex$error)

  out <- list(
    model = name,
    lavaan_version = as.character(packageVersion("lavaan")),
    syntax = syntax,
    data = spec$data,
    na_values = I(spec$na),
    nobs = ex$value$nobs,
    norig = ex$value$norig,
    converged = ex$value$converged,
    warnings = I(ml$warnings),
    extraction_warnings = I(ex$warnings),
    options = ex$value$options,
    estimates = ex$value$estimates,
    fit = ex$value$fit,
    r2 = ex$value$r2,
    implied_cov = ex$value$implied_cov,
    residual_cov = ex$value$residual_cov,
    sample_cov = ex$value$sample_cov,
    std_resid_cor = ex$value$std_resid_cor,
    vcov = ex$value$vcov
  )

  if (isTRUE(spec$extra_lv)) {
    lv <- capture(list(cov_lv = mat_obj(lavInspect(fit, "cov.lv")),
                       cor_lv = mat_obj(lavInspect(fit, "cor.lv"))))
    out$cov_lv <- lv$value$cov_lv
    out$cor_lv <- lv$value$cor_lv
    pc <- capture(lavInspect(fit, "post.check"))
    out$post_check <- list(
      value = if (is.null(pc$error)) as.logical(pc$value) else NULL,
      warnings = I(pc$warnings),
      error = if (is.null(pc$error)) NA else pc$error
    )
  }

  # ---- MLR ----
  mlr <- capture(sem(syntax, data = d, estimator = "MLR"))
  if (!is.null(mlr$error)) {
    out$mlr <- list(error = mlr$error, warnings = I(mlr$warnings))
    mlr_line <- sprintf("%-10s MLR ERROR: %s", name, mlr$error)
  } else {
    fm <- mlr$value
    mex <- capture(list(
      estimates = estimates_rows(fm, standardized = TRUE, rsquare = FALSE),
      fit = fit_list(fm),
      converged = lavInspect(fm, "converged"),
      nobs = lavInspect(fm, "nobs"),
      options = options_subset(fm)
    ))
    if (!is.null(mex$error)) stop(name, ": MLR extraction failed: ", mex$error)
    out$mlr <- list(
      estimates = mex$value$estimates,
      fit = mex$value$fit,
      converged = mex$value$converged,
      nobs = mex$value$nobs,
      warnings = I(mlr$warnings),
      extraction_warnings = I(mex$warnings),
      options = mex$value$options
    )
    mlr_line <- summary_line(name, fm, "MLR")
  }

  # ---- bootstrap ----
  if (!is.null(spec$boot) && !NO_BOOT) {
    set.seed(BOOT_SEED)
    bw <- NULL
    tm <- system.time(
      bw <- capture(sem(syntax, data = d, se = "bootstrap", bootstrap = spec$boot))
    )
    if (!is.null(bw$error)) {
      out$bootstrap <- list(error = bw$error, warnings = I(bw$warnings))
    } else {
      fb <- bw$value
      pe <- as.data.frame(parameterEstimates(fb, boot.ci.type = "perc"))
      keep <- intersect(c("lhs", "op", "rhs", "label", "est", "se",
                          "ci.lower", "ci.upper"), names(pe))
      pe <- pe[, keep]
      rownames(pe) <- NULL
      B <- lavInspect(fb, "boot")
      err_idx <- attr(B, "error.idx")
      nonadm <- attr(B, "nonadmissible")
      out$bootstrap <- list(
        seed = BOOT_SEED,
        R = spec$boot,
        boot.ci.type = "perc",
        boot_rows = nrow(B),
        n_failed = length(err_idx),
        n_successful = nrow(B) - length(err_idx),
        n_nonadmissible = if (is.null(nonadm)) NA else length(nonadm),
        elapsed_seconds = unname(tm[["elapsed"]]),
        converged = lavInspect(fb, "converged"),
        warnings = I(bw$warnings),
        estimates = pe
      )
      cat(sprintf("%-10s BOOT R=%d rows=%d failed=%d successful=%d nonadmissible=%s elapsed=%.1fs\n",
                  name, spec$boot, nrow(B), length(err_idx),
                  nrow(B) - length(err_idx),
                  if (is.null(nonadm)) "NA" else length(nonadm), tm[["elapsed"]]))
    }
  }

  path <- file.path(out_dir, paste0(name, ".json"))
  write_json(out, path, digits = NA, auto_unbox = TRUE, na = "null",
             pretty = TRUE)
  cat(summary_line(name, fit, "ML"), "\n", sep = "")
  cat(mlr_line, "\n", sep = "")
  if (length(ml$warnings) > 0L) {
    cat(sprintf("%-10s warnings: %s\n", name, paste(ml$warnings, collapse = " | ")))
  }
  invisible(out)
}

cat(sprintf("lavaan %s, jsonlite %s, %s\n", packageVersion("lavaan"),
            packageVersion("jsonlite"), R.version.string))
for (nm in names(MODELS)) run_model(nm, MODELS[[nm]])
cat("written to", out_dir, "\n")
