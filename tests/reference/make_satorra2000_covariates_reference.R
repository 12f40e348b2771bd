# Satorra's (2000) scaled difference test of nested models with fixed.x covariates
# (observed exogenous predictors), from lavaan 0.6-14 (tests/test_satorra2000_covariates.py).
#
# Run from the repository root:
#   Rscript tests/reference/make_satorra2000_covariates_reference.R   (about 5 s)
# Writes tests/reference/inference/satorra2000_covariates.json: one object with
#   pairs: keyed by pair, each with
#     description, syntax1 (less restricted), syntax0 (more restricted), data, rownames,
#     options                                  what was fitted: sem(syntax, data, ...)
#     chisq1, df1, chisq0, df0, scaling1, scaling0   fitMeasures() of both fits
#     lrt                                      lavTestLRT(fit1, fit0, method = "satorra.2000")
#                                              (scaled and shifted, lavaan's default):
#                                              the table's second row (Chisq diff, Df diff,
#                                              Pr(>Chisq))
#     shifted                                  lavaan:::lav_test_diff_Satorra2000(fit1, fit0,
#                                              scaled.shifted = TRUE): T.delta, a, b,
#                                              trace.UGamma, trace.UGamma2
#     scaled                                   the same with scaled.shifted = FALSE:
#                                              T.delta, scaling.factor (cd), trace.UGamma
#     max_gradient                             the larger |gradient| of the two fits
#                                              (projected on the constraints' null space)
#     tight                                    the same with both models refitted by
#                                              optim.method = "BFGS", reltol = 1e-16
#                                              (lavaan's nlminb stops at gradients of
#                                              ~1e-6, which moves the statistic by ~2e-6)
# lavaan's Gamma here is lavTech(fit1, "Gamma"): with fixed.x = TRUE the covariance of
# the casewise moments minus those predicted from the covariates (lav_samplestats_Gamma).
# No timings or random numbers: rerunning writes the same file byte for byte.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })

OUT_FILE <- "tests/reference/inference/satorra2000_covariates.json"
HS_CSV <- "datasets/holzinger_swineford/holzinger_swineford.csv"
PD_CSV <- "datasets/political_democracy/political_democracy.csv"
read_data <- function(path) read.csv(path, row.names = 1L, stringsAsFactors = FALSE)
lines <- function(...) paste(c(...), collapse = "\n")

HS3 <- lines("visual  =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6", "speed   =~ x7 + x8 + x9")
HS3_EQ <- lines("visual  =~ x1 + a*x2 + a*x3", "textual =~ x4 + x5 + x6",
                "speed   =~ x7 + x8 + x9")
PD_PATH <- lines("y1 ~ x1 + x2", "y5 ~ x1 + x3 + y1", "y6 ~ x2")

pairs <- list(
  mimic_sex_mlm = list(
    description = "hs_mimic against visual ~ 0*sex (m = 1), MLM",
    syntax1 = lines(HS3, "visual ~ ageyr + sex"), syntax0 = lines(HS3, "visual ~ ageyr + 0*sex"),
    data = HS_CSV, options = list(estimator = "MLM")),
  mimic_sex_mlr = list(
    description = "hs_mimic against visual ~ 0*sex (m = 1), MLR",
    syntax1 = lines(HS3, "visual ~ ageyr + sex"), syntax0 = lines(HS3, "visual ~ ageyr + 0*sex"),
    data = HS_CSV, options = list(estimator = "MLR")),
  mimic_two_mlm = list(
    description = "hs_mimic against equal x2, x3 loadings and visual ~ 0*sex (m = 2), MLM",
    syntax1 = lines(HS3, "visual ~ ageyr + sex"), syntax0 = lines(HS3_EQ, "visual ~ ageyr + 0*sex"),
    data = HS_CSV, options = list(estimator = "MLM")),
  mimic_two_mlr = list(
    description = "as mimic_two_mlm with MLR",
    syntax1 = lines(HS3, "visual ~ ageyr + sex"), syntax0 = lines(HS3_EQ, "visual ~ ageyr + 0*sex"),
    data = HS_CSV, options = list(estimator = "MLR")),
  mimic_means_mlm = list(
    description = "mimic_two_mlm with meanstructure = TRUE",
    syntax1 = lines(HS3, "visual ~ ageyr + sex"), syntax0 = lines(HS3_EQ, "visual ~ ageyr + 0*sex"),
    data = HS_CSV, options = list(estimator = "MLM", meanstructure = TRUE)),
  pd_path_mlm = list(
    description = "pd_path against y5 ~ 0*x3 and y1 ~ 0*x2 (m = 2; fixed.x x1-x3), MLM",
    syntax1 = PD_PATH, syntax0 = lines("y1 ~ x1 + 0*x2", "y5 ~ x1 + 0*x3 + y1", "y6 ~ x2"),
    data = PD_CSV, options = list(estimator = "MLM")),
  pd_path_mlr = list(
    description = "as pd_path_mlm with MLR",
    syntax1 = PD_PATH, syntax0 = lines("y1 ~ x1 + 0*x2", "y5 ~ x1 + 0*x3 + y1", "y6 ~ x2"),
    data = PD_CSV, options = list(estimator = "MLR")),
  mimic_school_mlm = list(
    description = "hs_mimic by school, configural against group.equal = \"loadings\", MLM",
    syntax1 = lines(HS3, "visual ~ ageyr + sex"), syntax0 = lines(HS3, "visual ~ ageyr + sex"),
    data = HS_CSV, options = list(estimator = "MLM", group = "school"),
    options0 = list(group.equal = "loadings"))
)

TIGHT <- list(optim.method = "BFGS", control = list(reltol = 1e-16, maxit = 20000L))

test_parts <- function(fit1, fit0) {
  f1 <- fitMeasures(fit1); f0 <- fitMeasures(fit0)
  lrt <- as.data.frame(lavTestLRT(fit1, fit0, method = "satorra.2000"))
  shifted <- lavaan:::lav_test_diff_Satorra2000(fit1, fit0, scaled.shifted = TRUE)
  scaled <- lavaan:::lav_test_diff_Satorra2000(fit1, fit0, scaled.shifted = FALSE)
  gradient <- function(fit) {  # projected on the null space of the equality constraints
    g <- lavInspect(fit, "gradient"); H <- fit@Model@con.jac
    if (nrow(H) > 0L) g <- g - t(H) %*% MASS::ginv(H %*% t(H)) %*% H %*% g
    max(abs(g))
  }
  list(chisq1 = unname(f1["chisq"]), df1 = unname(f1["df"]),
       chisq0 = unname(f0["chisq"]), df0 = unname(f0["df"]),
       scaling1 = unname(f1["chisq.scaling.factor"]),
       scaling0 = unname(f0["chisq.scaling.factor"]),
       max_gradient = max(gradient(fit1), gradient(fit0)),
       lrt = list(chisq_diff = lrt[2, "Chisq diff"], df_diff = lrt[2, "Df diff"],
                  pvalue = lrt[2, "Pr(>Chisq)"]),
       shifted = shifted[c("T.delta", "a", "b", "trace.UGamma", "trace.UGamma2")],
       scaled = scaled[c("T.delta", "scaling.factor", "trace.UGamma")])
}

run_pair <- function(pair) {
  data <- read_data(pair$data)
  fits <- function(extra = list())
    list(do.call("sem", c(list(model = pair$syntax1, data = data), pair$options, extra)),
         do.call("sem", c(list(model = pair$syntax0, data = data), pair$options,
                          pair$options0, extra)))
  default <- fits(); tight <- fits(TIGHT)
  c(list(description = pair$description, syntax1 = pair$syntax1, syntax0 = pair$syntax0,
         data = pair$data, rownames = TRUE, options = pair$options,
         options0 = if (length(pair$options0)) pair$options0 else NULL),
    test_parts(default[[1]], default[[2]]),
    list(tight = c(list(options = TIGHT), test_parts(tight[[1]], tight[[2]]))))
}

result <- list(lavaan_version = as.character(packageVersion("lavaan")),
               r_version = R.version.string, pairs = lapply(pairs, run_pair))
writeLines(toJSON(result, digits = NA, auto_unbox = TRUE, null = "null", na = "null",
                  pretty = TRUE), OUT_FILE)
cat("wrote", OUT_FILE, "\n")
