#!/usr/bin/env Rscript
# -----------------------------------------------------------------------------
# make_validity_reference.R -- reference values for loyaltysem's
# measurement-quality module (reliability and validity).
#
# What it produces
#   tests/reference/validity/<model>.json for hs_cfa, ecsi and corp_rep:
#   per construct Cronbach's alpha (psych::alpha: raw/std alpha, alpha if item
#   dropped, r.drop, r.cor, Feldt CI, Duhachek ASE/CI), std.all loadings with
#   their SE/z/p, Joreskog composite reliability and Fornell-Larcker AVE from
#   the std.all loadings; semTools::compRelSEM() (omega, obs.var TRUE and
#   FALSE), semTools::AVE() (plus a re-computation that works around an
#   indexing bug of semTools 0.5.6, see `notes`), semTools::htmt() (HTMT and
#   HTMT2), lavInspect(fit, "cor.lv") and the latent ~~ rows of
#   standardizedSolution(), Harman single-factor shares (first eigenvalue,
#   1-factor ML and PA), item x composite-score cross-correlations and VIFs of
#   the structural predictors from cor.lv.  The Python tests read these JSON
#   files; they never need R.
#
# Models (every fit is sem(model, data = d) with lavaan's defaults)
#   hs_cfa   models/hs_cfa.lav   datasets/holzinger_swineford/holzinger_swineford.csv
#            (first, unnamed column = row names, dropped)
#   ecsi     models/ecsi.lav     datasets/mobi/mobi.csv
#   corp_rep models/corp_rep.lav datasets/corp_rep/corp_rep.csv  (-99 = missing;
#            complete cases of the model's observed variables: 336 rows, the
#            same rows for every statistic)
#
# How to run (from the repository root; needs R with lavaan, semTools, psych
# and jsonlite):
#   Rscript tests/reference/make_validity_reference.R               # all models
#   Rscript tests/reference/make_validity_reference.R ecsi corp_rep # some models
# Takes a few seconds.  Output is deterministic.
# -----------------------------------------------------------------------------

suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(psych)
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
out_dir <- file.path("tests", "reference", "validity")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

MODELS <- list(
  hs_cfa = list(syntax = "models/hs_cfa.lav",
                data = "datasets/holzinger_swineford/holzinger_swineford.csv",
                drop_first_col = TRUE, na_values = NULL),
  ecsi = list(syntax = "models/ecsi.lav", data = "datasets/mobi/mobi.csv",
              drop_first_col = FALSE, na_values = NULL),
  corp_rep = list(syntax = "models/corp_rep.lav",
                  data = "datasets/corp_rep/corp_rep.csv",
                  drop_first_col = FALSE, na_values = -99)
)

# ---- helpers -----------------------------------------------------------------
# matrix -> {"rows": [...], "cols": [...], "values": [[...], ...]}
# (a plain R matrix is written row-major and never auto-unboxed)
mat_json <- function(m) {
  m <- as.matrix(m)
  class(m) <- "matrix"
  list(rows = I(rownames(m)), cols = I(colnames(m)),
       values = unname(m))
}
# named numeric vector -> JSON object name -> value
named_obj <- function(v) {
  v <- unclass(v)
  as.list(setNames(as.numeric(v), names(v)))
}
empty_obj <- function() setNames(list(), character(0))  # -> {}

# evaluated default arguments of a function (except `object`/`model`)
default_args <- function(f, drop) {
  fm <- formals(f)
  fm <- fm[setdiff(names(fm), drop)]
  lapply(fm, function(x) {
    v <- eval(x)
    if (is.character(v) && length(v) != 1L) I(v) else v
  })
}

# run expr, collecting warnings; errors become list(value = NULL, error = msg)
capture <- function(expr) {
  warns <- character(0)
  val <- tryCatch(
    withCallingHandlers(expr, warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    }),
    error = function(e) structure(list(msg = conditionMessage(e)), class = "cap_error")
  )
  list(value = if (inherits(val, "cap_error")) NULL else val,
       error = if (inherits(val, "cap_error")) val$msg else NULL,
       warnings = unique(warns))
}

# Replicates semTools::AVE() for a single-group, continuous-indicator lavaan
# fit, selecting each factor's indicators by name.  semTools 0.5.6 selects
# the denominator variances with `myIndNames[idx]`, where idx indexes the rows
# of the *full* lambda matrix but myIndNames has the indicators of dropped
# single-indicator factors removed -> factors whose indicators come after a
# single-indicator factor's indicator get shifted names (NA past the end).
ave_by_name <- function(fit, obs.var = TRUE) {
  LY <- lavInspect(fit, "est")$lambda
  PHI <- lavInspect(fit, "cov.lv")
  SIGMA <- if (obs.var) lavInspect(fit, "sampstat")$cov else lavInspect(fit, "fitted")$cov
  facs <- colnames(LY)
  facs <- facs[vapply(facs, function(fn) sum(LY[, fn] != 0) > 1L, logical(1))]
  sub <- LY[, facs, drop = FALSE]
  xload <- apply(sub, 1L, function(x) sum(round(x, 5) != 0) > 1L)
  out <- setNames(rep(NA_real_, length(facs)), facs)
  for (fn in facs) {
    ind <- rownames(sub)[sub[, fn] != 0]
    if (any(xload[ind])) next
    out[fn] <- sum(sub[ind, fn]^2) * PHI[fn, fn] / sum(diag(SIGMA)[ind])
  }
  out
}

# ---- one model -------------------------------------------------------------------
make_one <- function(name, spec) {
  notes <- character(0)
  model <- paste(readLines(spec$syntax), collapse = "\n")
  d <- read.csv(spec$data, check.names = FALSE)
  norig <- nrow(d)
  if (spec$drop_first_col) d <- d[, -1, drop = FALSE]
  if (!is.null(spec$na_values)) {
    for (v in spec$na_values) d[!is.na(d) & d == v] <- NA
  }
  fit <- sem(model, data = d)
  ov <- lavNames(fit, "ov")
  cc <- complete.cases(d[, ov, drop = FALSE])
  if (!all(cc)) {
    d <- d[cc, , drop = FALSE]
    fit <- sem(model, data = d)
    notes <- c(notes, sprintf(paste0(
      "%d of %d rows have a missing value (%s) in the model's observed ",
      "variables; all statistics use the %d complete cases (the model was ",
      "fitted once to get lavNames(fit, 'ov'), then refitted on the subset)."),
      sum(!cc), norig, paste(spec$na_values, collapse = ", "), sum(cc)))
  }
  rownames(d) <- NULL
  stopifnot(lavInspect(fit, "converged"))
  n <- lavInspect(fit, "nobs")

  pt <- parTable(fit)
  meas <- pt[pt$op == "=~", ]
  lvs <- unique(meas$lhs)
  items_of <- lapply(setNames(lvs, lvs), function(f) meas$rhs[meas$lhs == f])
  all_items <- unique(unlist(items_of))
  single <- lvs[vapply(items_of, length, integer(1)) < 2L]

  ss <- standardizedSolution(fit)
  sl <- ss[ss$op == "=~", ]

  # ---- per-construct statistics ----------------------------------------------
  constructs <- list()
  for (f in lvs) {
    it <- items_of[[f]]
    rows <- sl[sl$lhs == f, ]
    rows <- rows[match(it, rows$rhs), ]
    lam <- setNames(rows$est.std, it)
    entry <- list(items = I(it), std_loadings = named_obj(lam))
    if (length(it) >= 2L) {
      # (suppressMessages: psych notes that continuous items have too many
      # categories to tabulate response frequencies)
      a <- suppressMessages(psych::alpha(d[, it], check.keys = FALSE))
      tot <- a$total
      entry$raw_alpha <- tot$raw_alpha
      entry$std_alpha <- tot$std.alpha
      entry$alpha_drop <- named_obj(setNames(a$alpha.drop$raw_alpha, rownames(a$alpha.drop)))
      entry$r_drop <- named_obj(setNames(a$item.stats$r.drop, rownames(a$item.stats)))
      entry$r_cor <- named_obj(setNames(a$item.stats$r.cor, rownames(a$item.stats)))
      entry$alpha_ase <- tot$ase
      entry$duhachek_ci <- list(lower = tot$raw_alpha - 1.96 * tot$ase,
                                upper = tot$raw_alpha + 1.96 * tot$ase)
      entry$feldt_ci <- list(lower = as.numeric(unlist(a$feldt$lower.ci)),
                             upper = as.numeric(unlist(a$feldt$upper.ci)))
      sl2 <- sum(lam)^2
      entry$cr_joreskog <- sl2 / (sl2 + sum(1 - lam^2))
      entry$ave_fornell_larcker <- mean(lam^2)
      entry$loading_se <- named_obj(setNames(rows$se, it))
      entry$loading_z <- named_obj(setNames(rows$z, it))
      entry$loading_pvalue <- named_obj(setNames(rows$pvalue, it))
    }
    constructs[[f]] <- entry
  }

  # ---- semTools: compRelSEM and AVE ------------------------------------------
  omega_args <- default_args(semTools::compRelSEM, "object")
  ave_args <- default_args(semTools::AVE, "object")
  om <- capture(semTools::compRelSEM(fit))
  om_f <- capture(semTools::compRelSEM(fit, obs.var = FALSE))
  if (!is.null(om$error)) {
    om <- capture(semTools::compRelSEM(fit, omit.factors = single))
    om_f <- capture(semTools::compRelSEM(fit, obs.var = FALSE, omit.factors = single))
    notes <- c(notes, paste0("compRelSEM(fit) failed (", om$error,
                             "); used omit.factors = single-item factors."))
  }
  av <- capture(semTools::AVE(fit))
  av_f <- capture(semTools::AVE(fit, obs.var = FALSE))
  if (!is.null(av$error)) {
    av <- capture(semTools::AVE(fit, omit.factors = single))
    av_f <- capture(semTools::AVE(fit, obs.var = FALSE, omit.factors = single))
    notes <- c(notes, "AVE(fit) failed; used omit.factors = single-item factors.")
  }
  if (length(single)) {
    notes <- c(notes, sprintf(paste0(
      "Single-item construct(s) %s: compRelSEM() and AVE() do not error; with ",
      "their default dropSingle = TRUE they silently leave the factor out of ",
      "the result (so no omit.factors was needed)."),
      paste(single, collapse = ", ")))
  }
  ave_fix <- ave_by_name(fit, TRUE)
  ave_fix_f <- ave_by_name(fit, FALSE)
  # where semTools gives a value it must equal the by-name computation,
  # except for factors hit by the index shift (checked and listed below)
  sem_ave <- unclass(av$value)
  shifted <- names(sem_ave)[is.na(sem_ave) |
                              abs(sem_ave - ave_fix[names(sem_ave)]) > 1e-12]
  if (length(shifted)) {
    notes <- c(notes, sprintf(paste0(
      "semTools 0.5.6 AVE() bug: it picks the denominator variances with ",
      "myIndNames[idx], where idx indexes the rows of the full lambda matrix ",
      "but myIndNames omits the indicator(s) of the dropped single-item ",
      "factor(s); factors listed after such an indicator get shifted names ",
      "(NA past the end). Affected here: %s (semTools gives %s). ",
      "'ave_semTools_byname' (and _obsvar_false) repeat semTools' formula ",
      "sum(lambda^2) * psi / sum(var(items)) (unstandardized lambda, ",
      "psi = cov.lv diagonal, var = sample (obs.var = TRUE, N denominator) or ",
      "model-implied variances) selecting items by name; for the other ",
      "factors they equal semTools' values."),
      paste(shifted, collapse = ", "),
      paste(format(sem_ave[shifted], digits = 6), collapse = ", ")))
  }
  ok <- setdiff(names(sem_ave), shifted)
  stopifnot(isTRUE(all.equal(sem_ave[ok], ave_fix[ok], tolerance = 1e-12)))

  # ---- HTMT --------------------------------------------------------------------
  htmt_call <- "semTools::htmt(model, data = d, htmt2 = FALSE)  # model = the .lav text, d = the rows used by the fit; other args default (sample.cov = NULL, missing = 'listwise', ordered = NULL, absolute = TRUE)"
  htmt2_call <- "semTools::htmt(model, data = d, htmt2 = TRUE)"
  h1 <- capture(semTools::htmt(model, data = d, htmt2 = FALSE))
  h2 <- capture(semTools::htmt(model, data = d, htmt2 = TRUE))
  if (length(single)) {
    notes <- c(notes, sprintf(paste0(
      "htmt(): the single-item construct(s) %s have no monotrait ",
      "(within-construct) item correlations, so semTools gives NaN (null ",
      "here) for their whole row and column, diagonal included; the other ",
      "entries are unaffected (htmt works on item correlations only). ",
      "Multi-item diagonals are 1."), paste(single, collapse = ", ")))
  }

  # ---- latent correlations -------------------------------------------------------
  cor_lv <- lavInspect(fit, "cor.lv")
  lc <- ss[ss$op == "~~" & ss$lhs != ss$rhs & ss$lhs %in% lvs & ss$rhs %in% lvs,
           c("lhs", "rhs", "est.std", "se", "ci.lower", "ci.upper")]
  rownames(lc) <- NULL
  endo <- intersect(lvs, unique(pt$lhs[pt$op == "~"]))
  lc$residual <- lc$lhs %in% endo | lc$rhs %in% endo
  notes <- c(notes, paste0(
    "cor_lv = lavInspect(fit, 'cor.lv') is the model-implied correlation ",
    "matrix of all latent variables. latent_correlations are the ~~ rows of ",
    "standardizedSolution(fit) between two different latent variables ",
    "(est.std, delta-method se, 95% ci.lower/ci.upper); `residual` is true ",
    "where lhs or rhs is endogenous (",
    if (length(endo)) paste(endo, collapse = ", ") else "none", "), i.e. ",
    "the row is a disturbance correlation, not the construct correlation. ",
    if (nrow(lc)) sprintf("There are %d such row(s).", nrow(lc)) else
      sprintf(paste0("There are no such rows here (lavaan's defaults ",
                     "correlate only exogenous latent variables and this ",
                     "model has %d), so latent_correlations is an empty ",
                     "array."), length(setdiff(lvs, endo)))))

  # ---- Harman single-factor test --------------------------------------------------
  X <- d[, all_items]
  p <- length(all_items)
  ev <- eigen(cor(X), symmetric = TRUE, only.values = TRUE)$values
  fa_ml <- capture(psych::fa(X, nfactors = 1, rotate = "none", fm = "ml"))
  fa_pa <- capture(psych::fa(X, nfactors = 1, rotate = "none", fm = "pa"))
  fa_share <- function(r) if (is.null(r$value)) NA_real_ else
    sum(unclass(r$value$loadings)^2) / p
  harman <- list(
    items = I(all_items),
    first_component_share = ev[1] / p,
    first_eigenvalue = ev[1],
    first_ml_factor_share = fa_share(fa_ml),
    first_pa_factor_share = fa_share(fa_pa),
    fa_ml_warnings = I(fa_ml$warnings), fa_pa_warnings = I(fa_pa$warnings),
    calls = list(
      first_component_share = "eigen(cor(d[, all_items]))$values[1] / length(all_items)",
      first_ml_factor_share = "colSums(psych::fa(d[, all_items], nfactors = 1, rotate = 'none', fm = 'ml')$loadings^2) / p",
      first_pa_factor_share = "same with fm = 'pa'"))

  # ---- cross-loadings on unit-weighted composites -----------------------------------
  comp <- sapply(lvs, function(f) rowMeans(d[, items_of[[f]], drop = FALSE]))
  colnames(comp) <- lvs
  xl <- cor(as.matrix(d[, all_items]), comp)
  notes <- c(notes, paste0(
    "cross_loadings: Pearson correlation of every item (rows) with every ",
    "construct's unit-weighted composite score (mean of its items, cols); an ",
    "item's own construct's composite includes the item itself (not ",
    "corrected); for a single-item construct the composite is the item."))

  # ---- VIF of structural predictors from cor.lv -----------------------------------
  reg <- pt[pt$op == "~" & pt$lhs %in% lvs, ]
  vif <- empty_obj()
  for (y in unique(reg$lhs)) {
    pr <- reg$rhs[reg$lhs == y]
    if (length(pr) < 2L) next
    R <- cor_lv[pr, pr]
    vif[[y]] <- named_obj(setNames(diag(solve(R)), pr))
  }

  # ---- assemble -----------------------------------------------------------------
  out <- list(
    model = name,
    syntax_file = spec$syntax,
    data = spec$data,
    na_values = if (is.null(spec$na_values)) NULL else I(spec$na_values),
    nobs = n,
    norig = norig,
    versions = list(R = paste(R.version$major, R.version$minor, sep = "."),
                    lavaan = as.character(packageVersion("lavaan")),
                    semTools = as.character(packageVersion("semTools")),
                    psych = as.character(packageVersion("psych")),
                    jsonlite = as.character(packageVersion("jsonlite"))),
    constructs = constructs,
    single_item_constructs = I(single),
    omega_args = omega_args,
    omega_compRelSEM = if (is.null(om$value)) NULL else named_obj(om$value),
    omega_compRelSEM_obsvar_false = if (is.null(om_f$value)) NULL else named_obj(om_f$value),
    omega_calls = list(omega_compRelSEM = "semTools::compRelSEM(fit)",
                       omega_compRelSEM_obsvar_false = "semTools::compRelSEM(fit, obs.var = FALSE)"),
    ave_args = ave_args,
    ave_semTools = if (is.null(av$value)) NULL else named_obj(av$value),
    ave_semTools_obsvar_false = if (is.null(av_f$value)) NULL else named_obj(av_f$value),
    ave_semTools_byname = named_obj(ave_fix),
    ave_semTools_byname_obsvar_false = named_obj(ave_fix_f),
    ave_calls = list(ave_semTools = "semTools::AVE(fit)",
                     ave_semTools_obsvar_false = "semTools::AVE(fit, obs.var = FALSE)"),
    semtools_warnings = I(unique(c(om$warnings, om_f$warnings, av$warnings, av_f$warnings))),
    htmt_call = htmt_call,
    htmt2_call = htmt2_call,
    htmt = mat_json(h1$value),
    htmt2 = mat_json(h2$value),
    htmt_warnings = I(unique(c(h1$warnings, h2$warnings))),
    cor_lv = mat_json(cor_lv),
    latent_correlations = lc,
    harman = harman,
    cross_loadings = mat_json(xl),
    vif_structural = vif,
    notes = I(notes)
  )
  if (is.null(out$na_values)) out$na_values <- I(character(0))
  path <- file.path(out_dir, paste0(name, ".json"))
  write_json(out, path, digits = NA, auto_unbox = TRUE, na = "null",
             pretty = TRUE)
  txt <- readLines(path)
  if (any(grepl("\\b(NaN|NA|Inf|-Inf)\\b", txt[!grepl("\"", txt) | grepl(":\\s*(NaN|NA|Inf)", txt)])))
    warning(name, ": non-JSON token in output")
  cat(sprintf("%-9s n = %d  constructs = %d  written %s\n", name, n,
              length(lvs), path))
  invisible(out)
}

# ---- main ----------------------------------------------------------------------
which_models <- commandArgs(trailingOnly = TRUE)
if (!length(which_models)) which_models <- names(MODELS)
bad <- setdiff(which_models, names(MODELS))
if (length(bad)) stop("unknown model(s): ", paste(bad, collapse = ", "))
for (nm in which_models) make_one(nm, MODELS[[nm]])
