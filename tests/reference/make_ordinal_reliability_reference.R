#!/usr/bin/env Rscript
# -----------------------------------------------------------------------------
# make_ordinal_reliability_reference.R -- reference values for the reliability
# and discriminant validity of ordinal items (tests/test_ordinal_reliability.py).
#
# What it produces
#   tests/reference/ordinal_reliability/<case>.json: for a WLSMV fit of an
#   ordinal CFA (lavaan 0.6-14, delta parameterization) per construct
#     omega_categorical  semTools::compRelSEM(fit)  (default: ord.scale = TRUE,
#                        Green & Yang's 2009 categorical omega)
#     omega_latent       compRelSEM(fit, ord.scale = FALSE)  (omega of the
#                        latent responses over the polychoric total variance)
#     omega_latent_fitted compRelSEM(fit, ord.scale = FALSE, obs.var = FALSE)
#     alpha_ordinal      compRelSEM(fit, tau.eq = TRUE, ord.scale = FALSE)
#                        (Zumbo et al.'s 2007 ordinal alpha)
#     alpha_categorical  compRelSEM(fit, tau.eq = TRUE, ord.scale = TRUE)
#                        (alpha of the observed category codes)
#     ave                semTools::AVE(fit)
#     psych_std_alpha, r_drop, alpha_if_dropped: psych::alpha() of the
#                        polychoric matrix (std.alpha; item.stats$r.drop;
#                        alpha.drop$std.alpha)
#   and std.all loadings and thresholds, the polychoric matrix
#   (lavCor(ordered =)), semTools::htmt(model, data, ordered =) with
#   htmt2 = FALSE and TRUE, and lavInspect(fit, "cor.lv").
#
# Cases (data written by make_ordinal_reference.R, tests/reference/ordinal/data)
#   cfa3      corp_rep.csv, 7-point items, COMP, LIKE, CUSL (336 complete rows)
#   binary    binary.csv (the same items dichotomized: value >= 5 -> 1), same model
#   reversed  corp_rep.csv with comp_2 reversed (comp_2 <- 8 - comp_2) so that
#             COMP =~ comp_1 + comp_2 + comp_3 has a negative loading; COMP, LIKE
#   chain     corp_rep.csv, the structural model COMP -> LIKE -> CUSL (no COMP -> CUSL):
#             its latent correlations are constrained (Fornell-Larcker uses them)
#   mixed     hs_mixed.csv (make_ordinal_groups_reference.R): Holzinger-Swineford's
#             3-factor CFA, x4o-x6o ordinal (textual), x1-x3 and x7-x9 continuous; for a
#             continuous factor psych::alpha() of the raw items (raw_alpha, r.drop,
#             alpha.drop$raw_alpha) instead of the polychoric one
#   cfa3_theta  cfa3 with parameterization = "theta". compRelSEM's categorical omega
#             is the same as in the delta parameterization; its ord.scale = FALSE omega,
#             its tau.eq alphas and AVE() are not (semTools rescales the polychorics by
#             the latent responses' theta-metric SDs), loyaltysem's standardized ones are
#
# How to run (from the repository root; R with lavaan, semTools, psych, jsonlite):
#   Rscript tests/reference/make_ordinal_reliability_reference.R
# No random numbers, no timings: rerunning writes the same files (~5 s).
# -----------------------------------------------------------------------------
suppressPackageStartupMessages({
  library(lavaan); library(semTools); library(psych); library(jsonlite)
})
IN_DIR <- "tests/reference/ordinal/data"
OUT_DIR <- "tests/reference/ordinal_reliability"
dir.create(OUT_DIR, showWarnings = FALSE, recursive = TRUE)

matrix_json <- function(m) list(rows = rownames(m), cols = colnames(m), values = unname(m))

run_case <- function(name, model, data, about, transform, parameterization = "delta",
                     ordered = NULL) {
  items <- lavNames(lavaanify(model), "ov")
  if (is.null(ordered)) ordered <- items
  measurement <- paste(grep("=~", strsplit(model, "\n")[[1]], value = TRUE), collapse = "\n")
  data <- data[, items]
  fit <- sem(model, data = data, ordered = ordered, estimator = "WLSMV",
             parameterization = parameterization)
  factors <- lavNames(fit, "lv")
  lam <- lavInspect(fit, "std")$lambda
  pe <- parameterEstimates(fit, standardized = TRUE)
  poly <- lavCor(data, ordered = ordered)
  per_construct <- list()
  for (f in factors) {
    f_items <- rownames(lam)[lam[, f] != 0]
    continuous <- !any(f_items %in% ordered)
    ps <- suppressWarnings(psych::alpha(if (continuous) data[, f_items] else
                                          poly[f_items, f_items],
                                        check.keys = FALSE, warnings = FALSE))
    per_construct[[f]] <- list(
      items = f_items,
      std_loadings = unname(lam[f_items, f]),
      thresholds = lapply(setNames(f_items, f_items), function(i)
        pe$std.all[pe$op == "|" & pe$lhs == i]),
      continuous = continuous,
      psych_std_alpha = ps$total$std.alpha,
      psych_raw_alpha = ps$total$raw_alpha,
      r_drop = setNames(as.list(ps$item.stats$r.drop), f_items),
      alpha_if_dropped = setNames(as.list(
        if (continuous) ps$alpha.drop$raw_alpha else ps$alpha.drop$std.alpha), f_items))
  }
  rel <- list(
    omega_categorical = compRelSEM(fit),
    omega_latent = compRelSEM(fit, ord.scale = FALSE),
    omega_latent_fitted = compRelSEM(fit, ord.scale = FALSE, obs.var = FALSE),
    alpha_ordinal = compRelSEM(fit, tau.eq = TRUE, ord.scale = FALSE),
    alpha_categorical = compRelSEM(fit, tau.eq = TRUE, ord.scale = TRUE),
    ave = AVE(fit))
  for (f in factors) for (k in names(rel)) per_construct[[f]][[k]] <- unname(rel[[k]][f])
  out <- list(
    about = about, transform = transform, model = model, ordered = ordered,
    parameterization = parameterization,
    lavaan = as.character(packageVersion("lavaan")),
    semTools = as.character(packageVersion("semTools")),
    nobs = lavInspect(fit, "nobs"), constructs = per_construct,
    polychoric = matrix_json(poly),
    htmt = matrix_json(htmt(measurement, data, ordered = ordered, htmt2 = FALSE)),
    htmt2 = matrix_json(htmt(measurement, data, ordered = ordered, htmt2 = TRUE)),
    latent_correlations = matrix_json(lavInspect(fit, "cor.lv")))
  writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE),
             file.path(OUT_DIR, paste0(name, ".json")))
}

CFA3 <- "COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSL =~ cusl_1 + cusl_2 + cusl_3"
CFA2 <- "COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3"

corp <- read.csv(file.path(IN_DIR, "corp_rep.csv"))
run_case("cfa3", CFA3, corp, "corp_rep 7-point items, 3-factor ordinal CFA (WLSMV)", "none")
run_case("binary", CFA3, read.csv(file.path(IN_DIR, "binary.csv")),
         "corp_rep items dichotomized (value >= 5 -> 1), 3-factor ordinal CFA (WLSMV)", "none")
reversed <- corp
reversed$comp_2 <- 8 - reversed$comp_2
run_case("reversed", CFA2, reversed,
         "corp_rep with comp_2 reversed: a negative loading on COMP (WLSMV)",
         "comp_2 <- 8 - comp_2")
CHAIN <- "COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSL =~ cusl_1 + cusl_2 + cusl_3
LIKE ~ COMP
CUSL ~ LIKE"
run_case("chain", CHAIN, corp, "corp_rep: COMP -> LIKE -> CUSL, ordinal items (WLSMV)", "none")
run_case("cfa3_theta", CFA3, corp, "cfa3, theta parameterization (WLSMV)", "none", "theta")
HS <- "visual =~ x1 + x2 + x3
textual =~ x4o + x5o + x6o
speed =~ x7 + x8 + x9"
run_case("mixed", HS, read.csv(file.path(IN_DIR, "hs_mixed.csv")),
         "Holzinger-Swineford CFA: x4o-x6o ordinal, the others continuous (WLSMV)", "none",
         ordered = c("x4o", "x5o", "x6o"))
