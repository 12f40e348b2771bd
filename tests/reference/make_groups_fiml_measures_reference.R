# Multi-group fit measures of lavaan 0.6-14 under full-information ML that need more
# than the FIML likelihood: the GFI family (lav_fit_gfi: each group's GFI weighted by
# its N) and the missing-data robust CFI/TLI/RNI/RMSEA (lav_fit_fiml_corrected over all
# groups: block-diagonal informations weighted by N_g / N). For
# tests/test_groups_fiml_measures.py.
#
# Run from the repository root:  Rscript tests/reference/make_groups_fiml_measures_reference.R
# Writes tests/reference/groups/fm_<case>.json with
#   model, data, na, group, group_equal, estimator, group_labels
#   fit             all fitMeasures(fit) (NA as null)
#   fiml_corrected  lavaan:::lav_fit_fiml_corrected(fit, version) for "V3" (what
#                   fitMeasures() uses with a scaled test: MLR) and "V6" (without: ML):
#                   XX3, df3, c.hat3, XX3.scaled, XX3.null, df3.null, c.hat3.null
#   gfi_group       each group's GFI (lav_fit_gfi's gfi.group), from lavInspect's
#                   wls.obs, wls.est and wls.v
# Data: tests/reference/data/hs_missing.csv (HS with 10% MCAR values, seeded; see
# data/README.md) and corp_rep with its own missing values (-99). Nothing depends on
# timing: lavaan stops on tolerances only; rerunning writes the same files.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })

HS_MISSING_CSV <- "tests/reference/data/hs_missing.csv"
CR_CSV <- "datasets/corp_rep/corp_rep.csv"

cases <- list(
  fm_ml_hs_school_configural = list(model = "models/hs_cfa.lav", data = HS_MISSING_CSV,
    na = character(0), group = "school", equal = "", estimator = "ML"),
  fm_ml_hs_school_metric = list(model = "models/hs_cfa.lav", data = HS_MISSING_CSV,
    na = character(0), group = "school", equal = "loadings", estimator = "ML"),
  fm_mlr_hs_school_scalar = list(model = "models/hs_cfa.lav", data = HS_MISSING_CSV,
    na = character(0), group = "school", equal = c("loadings", "intercepts"),
    estimator = "MLR"),
  fm_mlr_hs_mimic_school = list(model = "tests/reference/models/hs_mimic.lav",
    data = HS_MISSING_CSV, na = character(0), group = "school", equal = "loadings",
    estimator = "MLR"),
  fm_ml_hs_mimic_school = list(model = "tests/reference/models/hs_mimic.lav",
    data = HS_MISSING_CSV, na = character(0), group = "school", equal = "",
    estimator = "ML"),
  fm_mlr_corp_rep_servicetype = list(model = "models/corp_rep.lav", data = CR_CSV,
    na = "-99", group = "servicetype", equal = "loadings", estimator = "MLR")
)

gfi_groups <- function(fit) {
  obs <- lavInspect(fit, "wls.obs")
  est <- lavInspect(fit, "wls.est")
  v <- lavInspect(fit, "wls.v")
  sapply(seq_along(obs), function(g) {
    d <- obs[[g]] - est[[g]]
    1 - as.numeric(crossprod(d, v[[g]]) %*% d) /
      as.numeric(crossprod(obs[[g]], v[[g]]) %*% obs[[g]])
  })
}

for (name in names(cases)) {
  case <- cases[[name]]
  d <- read.csv(case$data, na.strings = c("NA", case$na), stringsAsFactors = FALSE)
  syntax <- paste(readLines(case$model, warn = FALSE), collapse = "\n")
  fit <- sem(syntax, data = d, group = case$group, missing = "ml",
             group.equal = case$equal, estimator = case$estimator)
  corrected <- lapply(c(V3 = "V3", V6 = "V6"), function(v)
    lavaan:::lav_fit_fiml_corrected(fit, version = v))
  out <- list(model = case$model, data = case$data, na = I(case$na), group = case$group,
              group_equal = I(case$equal), estimator = case$estimator,
              group_labels = I(lavInspect(fit, "group.label")),
              fit = as.list(fitMeasures(fit)), fiml_corrected = corrected,
              gfi_group = I(gfi_groups(fit)))
  write_json(out, file.path("tests/reference/groups", paste0(name, ".json")), digits = NA,
             auto_unbox = TRUE, na = "null", pretty = TRUE)
  cat(name, fitMeasures(fit, c("chisq", "df", "gfi", "cfi.robust", "rmsea.robust")), "\n")
}
