# FIML extras and the multi-group bootstrap of indirect effects (issue #11,
# point 3.8-3.9), for the new estimation core.
#
# Run from the repository root:  Rscript tests/reference/make_core_fiml_reference.R [case ...]
# Writes tests/reference/core/<case>.json (layout: tests/reference/README.md):
#   fiml_*   missing = "ml.x" with incomplete covariates; missing = "ml" with
#            estimator = "MLR" and fixed.x covariates (single and multi-group);
#            FIML ML / MLR fit measures and standardizedSolution() with ~1 rows
#   boot_*   multi-group se = "bootstrap" (1000 draws, set.seed(20261123) right
#            before the fit) of per-group indirect effects, percentile CIs,
#            and the delta-method version
# and (re)writes tests/reference/data/hs_missing_ageyr.csv (see its README).
source("tests/reference/make_core_common.R")
lines <- function(...) paste(c(...), collapse = "\n")

# ---- data: hs_missing.csv plus MCAR holes in the covariate ageyr ------------
HS_MISSING_AGEYR_CSV <- "tests/reference/data/hs_missing_ageyr.csv"
local({
  d <- read.csv(HS_MISSING_CSV, stringsAsFactors = FALSE)
  set.seed(20261201)
  d$ageyr[runif(nrow(d)) < 0.10] <- NA
  write.csv(d, HS_MISSING_AGEYR_CSV, row.names = FALSE, na = "")
})

hs_mimic <- read_model("tests/reference/models/hs_mimic.lav")
hs_cross <- lines(
  "# hs_cfa with the cross-loading of x9 on visual.",
  "visual  =~ x1 + x2 + x3 + x9",
  "textual =~ x4 + x5 + x6",
  "speed   =~ x7 + x8 + x9")
hs_chain <- lines(
  "# HS by school: visual -> textual -> speed with group-specific labels.",
  "visual  =~ x1 + x2 + x3",
  "textual =~ x4 + x5 + x6",
  "speed   =~ x7 + x8 + x9",
  "textual ~ c(a1, a2)*visual",
  "speed   ~ c(b1, b2)*textual + c(c1, c2)*visual",
  "ind1 := a1*b1",
  "ind2 := a2*b2",
  "diff := ind1 - ind2")

BOOT_SEED <- 20261123L
BOOT_R <- 1000L
boot_post <- function(fit, out) {
  boot <- lavInspect(fit, "boot")
  pt <- parTable(fit)
  lab <- pt$label[pt$free > 0L & !duplicated(pt$free)]
  keep <- which(lab %in% c("a1", "a2", "b1", "b2", "c1", "c2"))
  ok <- stats::complete.cases(boot)
  def_names <- pt$lhs[pt$op == ":="]
  def <- matrix(NA_real_, nrow(boot), length(def_names), dimnames = list(NULL, def_names))
  def[ok, ] <- matrix(apply(boot[ok, , drop = FALSE], 1, fit@Model@def.function),
                      nrow = sum(ok), byrow = TRUE)
  sd_n <- function(v) sqrt(mean((v - mean(v))^2))
  pe <- as.data.frame(parameterEstimates(fit, boot.ci.type = "perc"))
  out$bootstrap <- list(
    R = BOOT_R, seed = BOOT_SEED,
    how = paste("set.seed(seed) right before sem(); lavaan resamples rows within each group",
                "(group sizes kept); percentile CIs by boot.ci.type = \"perc\" use boot's",
                "norm.inter() interpolation on the successful draws; the SE of a free parameter",
                "is the SD of its successful draws with divisor n_used (not n_used - 1)"),
    boot_rows = nrow(boot),
    n_failed = length(attr(boot, "error.idx")),
    n_nonadmissible = length(attr(boot, "nonadmissible")),
    n_used = sum(ok),
    def_sd_divisor_n = as.list(apply(def[ok, , drop = FALSE], 2, sd_n)),
    def_sd_divisor_n_minus_1 = as.list(apply(def[ok, , drop = FALSE], 2, sd)),
    se_nonfinite = as.list(setNames(ifelse(is.nan(pe$se[!is.finite(pe$se)]), "NaN", "NA"),
                                    pe$label[!is.finite(pe$se)])),
    estimates_perc = pe[, c("lhs", "op", "rhs", "block", "group", "label", "est", "se", "z",
                            "pvalue", "ci.lower", "ci.upper")],
    estimates_bca_simple = as.data.frame(parameterEstimates(fit, boot.ci.type = "bca.simple"))[
      , c("lhs", "op", "rhs", "group", "label", "est", "se", "ci.lower", "ci.upper")],
    draws = c(setNames(lapply(keep, function(j) boot[, j]), lab[keep]),
              setNames(lapply(def_names, function(k) def[, k]), def_names)))
  out
}

cases <- list(
  fiml_mlx_hs_mimic = list(
    description = paste("hs_mimic (visual ~ ageyr + sex) with missing = \"ml.x\" on hs_missing_ageyr.csv",
                        "(x1..x9 and ageyr incomplete): rows with a missing covariate are kept, the",
                        "covariates' means / variances / covariance are free model parameters"),
    syntax = hs_mimic, model_file = "tests/reference/models/hs_mimic.lav",
    data = HS_MISSING_AGEYR_CSV, opts = list(missing = "ml.x"), h1 = TRUE, vcov = TRUE),
  fiml_ml_hs_mimic_missing_x = list(
    description = paste("the same data with missing = \"ml\" (fixed.x = TRUE): lavaan deletes the",
                        "rows with a missing covariate (see warnings and nobs)"),
    syntax = hs_mimic, model_file = "tests/reference/models/hs_mimic.lav",
    data = HS_MISSING_AGEYR_CSV, opts = list(missing = "ml"), h1 = TRUE),
  fiml_mlr_hs_mimic = list(
    description = "hs_mimic on hs_missing.csv (complete covariates), missing = \"ml\", estimator = \"MLR\", fixed.x",
    syntax = hs_mimic, model_file = "tests/reference/models/hs_mimic.lav",
    data = HS_MISSING_CSV, opts = list(missing = "ml", estimator = "MLR"), h1 = TRUE),
  fiml_mlr_hs_mimic_school = list(
    description = "fiml_mlr_hs_mimic by school, configural",
    syntax = hs_mimic, model_file = "tests/reference/models/hs_mimic.lav",
    data = HS_MISSING_CSV, opts = list(missing = "ml", estimator = "MLR", group = "school"), h1 = TRUE),
  fiml_mlr_hs_mimic_school_metric = list(
    description = "fiml_mlr_hs_mimic by school, group.equal = \"loadings\"",
    syntax = hs_mimic, model_file = "tests/reference/models/hs_mimic.lav",
    data = HS_MISSING_CSV,
    opts = list(missing = "ml", estimator = "MLR", group = "school", group.equal = "loadings")),
  fiml_ml_hs_cross = list(
    description = paste("cross-loading CFA on hs_missing.csv, missing = \"ml\" (ML): all fitMeasures",
                        "(gfi / agfi / pgfi included) and standardizedSolution() with ~1 rows"),
    syntax = hs_cross, model_file = NULL, data = HS_MISSING_CSV,
    opts = list(missing = "ml"), h1 = TRUE, vcov = TRUE),
  fiml_mlr_hs_cross = list(
    description = paste("the same with estimator = \"MLR\": cfi/tli/rni/rmsea .robust (+ CI) as lavaan",
                        "0.6-14 reports them under missing = \"ml\""),
    syntax = hs_cross, model_file = NULL, data = HS_MISSING_CSV,
    opts = list(missing = "ml", estimator = "MLR"), h1 = TRUE),
  fiml_mlx_mlr_pd_path = list(
    description = paste("pd_path on poldem_missing.csv (the x covariates are incomplete too) with",
                        "missing = \"ml.x\", estimator = \"MLR\""),
    syntax = read_model("tests/reference/models/pd_path.lav"), model_file = "tests/reference/models/pd_path.lav",
    data = PD_MISSING_CSV, opts = list(missing = "ml.x", estimator = "MLR"), h1 = TRUE),
  boot_hs_school_chain_delta = list(
    description = paste("HS by school, visual -> textual -> speed with c(a1, a2), c(b1, b2) labels;",
                        "ind1 := a1*b1, ind2 := a2*b2, diff := ind1 - ind2; se = \"standard\" (delta method)"),
    syntax = hs_chain, model_file = NULL, data = HS_CSV, rownames = TRUE,
    opts = list(group = "school")),
  boot_hs_school_chain = list(
    description = paste("boot_hs_school_chain_delta with se = \"bootstrap\", bootstrap = 1000,",
                        "set.seed(20261123) right before the fit; estimates carry the percentile CIs"),
    syntax = hs_chain, model_file = NULL, data = HS_CSV, rownames = TRUE,
    opts = list(group = "school", se = "bootstrap", bootstrap = BOOT_R),
    std_solution = FALSE, post = boot_post, seed = BOOT_SEED,
    notes = c(paste("draws: lavInspect(fit, \"boot\") keeps a row of NA for each failed draw",
                    "(n_failed); the percentile CIs and the SEs of free parameters use the other rows",
                    "(SE = SD with divisor n_used); the := draws here are NA on those rows"),
              paste("lavaan 0.6-14 computes the SE of a := row as sqrt(diag(cov(BOOT.def))) over all",
                    "rows, failed (NA) rows included (its def.function gives Inf there), so with any",
                    "failed draw the := SEs, z and pvalue are NA (null; bootstrap$se_nonfinite); the SD of",
                    "the successful := draws is in bootstrap$def_sd_divisor_n (and _minus_1)"),
              "nonadmissible draws (converged, post.check failed) are kept and count"))
)

for (name in names(wanted_cases(cases))) {
  if (!is.null(cases[[name]]$seed)) set.seed(cases[[name]]$seed)
  run_case(name, cases[[name]])
}
