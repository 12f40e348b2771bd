# The fit measures lavaan 0.6-14 reports under full-information ML that need more
# than the FIML likelihood: the GFI family, the missing-data robust CFI/TLI/RNI/RMSEA
# (FIML-corrected, Zhang & Savalei) and, with missing = "ml.x", the h1 log-likelihood
# and the baseline model. For tests/test_fiml_measures.py.
#
# Run from the repository root:  Rscript tests/reference/make_fiml_measures_reference.R [case ...]
# Writes tests/reference/core/fm_<case>.json (the core/ layout of tests/reference/README.md)
# with, besides the usual keys:
#   fiml_corrected  lavaan:::lav_fit_fiml_corrected(fit, version) for "V3" (what
#                   fitMeasures() uses with a scaled test: MLR) and "V6" (without: ML):
#                   XX3, df3, c.hat3, XX3.scaled, XX3.null, df3.null, c.hat3.null
#   wls_obs         lavInspect(fit, "wls.obs"): the sample statistics lavaan's GFI compares
#                   with the implied moments (with missing data: available-case means and
#                   cov(use = "pairwise") * (N - 1) / N, not the EM estimates)
#   cov_x           fit@SampleStats@cov.x (the covariates' moments the h1 log-likelihood
#                   conditions on; pairwise as wls_obs)
#   baseline_exo    the fixed covariate rows of the baseline model lav_object_independence(fit)
#   em_h1_tol       lavaan's EM tolerance for the h1 moments (the default, 1e-5)
# Nothing in the output depends on timing: lavaan's iterations stop on tolerances only,
# and every case is rewritten identically on every run.
source("tests/reference/make_core_common.R")

HS_MISSING_AGEYR_CSV <- "tests/reference/data/hs_missing_ageyr.csv"  # make_core_fiml_reference.R

measures_post <- function(fit, out) {
  corrected <- lapply(c(V3 = "V3", V6 = "V6"), function(v)
    lavaan:::lav_fit_fiml_corrected(fit, version = v))
  out$fiml_corrected <- corrected
  out$wls_obs <- mat_obj(lavInspect(fit, "wls.obs", add.labels = TRUE))
  cov_x <- fit@SampleStats@cov.x[[1]]
  if (!is.null(cov_x)) {
    dimnames(cov_x) <- list(lavNames(fit, "ov.x"), lavNames(fit, "ov.x"))
    out$cov_x <- mat_obj(cov_x)
  }
  base <- as.data.frame(parTable(lavaan:::lav_object_independence(fit)))
  out$baseline_exo <- base[base$exo == 1L, c("lhs", "op", "rhs", "est")]
  opts <- lavInspect(fit, "options")
  out$em_h1_tol <- opts$em.h1.tol
  out
}

case <- function(description, model_file, data, opts, na = NULL)
  list(description = description, syntax = read_model(model_file), model_file = model_file,
       data = data, na = na, opts = opts, h1 = TRUE, std_solution = FALSE,
       post = measures_post)

cases <- list(
  fm_ml_hs_cfa = case("hs_cfa on hs_missing.csv, missing = \"ml\" (ML): GFI, robust (V6)",
                      "models/hs_cfa.lav", HS_MISSING_CSV, list(missing = "ml")),
  fm_mlr_hs_cfa = case("the same with estimator = \"MLR\": robust (V3)",
                       "models/hs_cfa.lav", HS_MISSING_CSV,
                       list(missing = "ml", estimator = "MLR")),
  fm_mlr_hs_mimic = case(paste("hs_mimic (visual ~ ageyr + sex, complete fixed.x covariates) on",
                               "hs_missing.csv, missing = \"ml\", estimator = \"MLR\""),
                         "tests/reference/models/hs_mimic.lav", HS_MISSING_CSV,
                         list(missing = "ml", estimator = "MLR")),
  fm_mlx_hs_mimic = case(paste("hs_mimic with missing = \"ml.x\" on hs_missing_ageyr.csv",
                               "(ageyr incomplete): h1 and baseline of ml.x, GFI, robust (V6)"),
                         "tests/reference/models/hs_mimic.lav", HS_MISSING_AGEYR_CSV,
                         list(missing = "ml.x")),
  fm_mlx_mlr_pd_path = case(paste("pd_path (observed paths, x1-x3 fixed.x and incomplete) on",
                                  "poldem_missing.csv, missing = \"ml.x\", estimator = \"MLR\""),
                            "tests/reference/models/pd_path.lav", PD_MISSING_CSV,
                            list(missing = "ml.x", estimator = "MLR")),
  fm_mlr_corp_rep = case("corp_rep (its own missing values, -99), missing = \"ml\", estimator = \"MLR\"",
                         "models/corp_rep.lav", CR_CSV, list(missing = "ml", estimator = "MLR"),
                         na = "-99"),
  fm_ml_hs_saturated = list(
    description = paste("a saturated model (df = 0): visual =~ x1 + x2 + x3 on hs_missing.csv,",
                        "missing = \"ml\"; lavaan's robust RMSEA tests are NA there"),
    syntax = "visual =~ x1 + x2 + x3", model_file = NULL, data = HS_MISSING_CSV,
    opts = list(missing = "ml"), h1 = TRUE, std_solution = FALSE, post = measures_post),
  fm_mlr_hs_saturated = list(
    description = "the same with estimator = \"MLR\"",
    syntax = "visual =~ x1 + x2 + x3", model_file = NULL, data = HS_MISSING_CSV,
    opts = list(missing = "ml", estimator = "MLR"), h1 = TRUE, std_solution = FALSE,
    post = measures_post)
)

for (name in names(wanted_cases(cases))) run_case(name, cases[[name]])
