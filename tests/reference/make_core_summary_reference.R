# Summary-data fits (issue #11, point 3.1): sem(model, sample.cov = S,
# sample.nobs = N) without raw data, for the new estimation core.
#
# Run from the repository root:  Rscript tests/reference/make_core_summary_reference.R [case ...]
# Writes tests/reference/core/summary_<case>.json (layout: tests/reference/README.md).
# `summary_data` in each file records exactly what was passed: S is R's
# cov() of the data (divisor N - 1); lavaan's default sample.cov.rescale =
# TRUE multiplies it by (N - 1) / N before fitting (visible in `sampstat`).
source("tests/reference/make_core_common.R")

hs <- read_data(HS_CSV, rownames = TRUE)
pd <- read_data(PD_CSV, rownames = TRUE)
mobi <- read_data(MOBI_CSV)

cov_of <- function(d, vars) cov(d[, vars])
means_of <- function(d, vars) colMeans(d[, vars])

hs_cfa <- read_model("models/hs_cfa.lav")
poldem <- read_model("models/poldem.lav")
S_hs <- cov_of(hs, HS_X); M_hs <- means_of(hs, HS_X)
S_pd <- cov_of(pd, PD_VARS); M_pd <- means_of(pd, PD_VARS)

# mobi: a correlation matrix and SDs as a paper would print them (3
# decimals), turned into S = D R D (lavaan's cor2cov) -- all 24 variables,
# lavaan picks the model's by name.
mobi_vars <- names(mobi)
R_mobi <- round(cor(mobi[, mobi_vars]), 3)
sd_mobi <- round(apply(mobi[, mobi_vars], 2, sd), 3)
S_mobi <- diag(sd_mobi) %*% R_mobi %*% diag(sd_mobi)
dimnames(S_mobi) <- list(mobi_vars, mobi_vars)
mobi_model <- paste(
  "# Three ECSI constructs on the mobi data, fitted from a correlation matrix and SDs.",
  "Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5",
  "Satisfaction =~ CUSA1 + CUSA2 + CUSA3",
  "Loyalty      =~ CUSL1 + CUSL2 + CUSL3",
  "Satisfaction ~ Image",
  "Loyalty      ~ Satisfaction + Image", sep = "\n")

# HS by school: per-group covariance matrices (divisor n_g - 1), means, n_g,
# in the order lavaan takes the groups from the raw data (first appearance).
schools <- unique(hs$school)
S_school <- setNames(lapply(schools, function(s) cov_of(hs[hs$school == s, ], HS_X)), schools)
M_school <- setNames(lapply(schools, function(s) means_of(hs[hs$school == s, ], HS_X)), schools)
N_school <- setNames(lapply(schools, function(s) sum(hs$school == s)), schools)

rec <- function(S, N, M = NULL, ...) {
  one <- function(S, N, M) {
    r <- list(sample_cov = mat_obj(S), sample_nobs = N, cov_divisor = "N - 1 (R cov())")
    if (!is.null(M)) r$sample_mean <- mat_obj(M)
    r
  }
  c(if (is.list(S)) list(groups = I(names(S)),
                         per_group = setNames(lapply(names(S), function(g) one(S[[g]], N[[g]], M[[g]])), names(S)))
    else one(S, N, M), list(...))
}

cases <- list(
  summary_hs_cfa = list(
    description = "hs_cfa from its covariance matrix (N = 301); same estimates as the raw-data fit",
    syntax = hs_cfa, model_file = "models/hs_cfa.lav",
    summary = list(sample.cov = S_hs, sample.nobs = 301L),
    summary_record = rec(S_hs, 301L, source_data = HS_CSV), vcov = TRUE),
  summary_poldem = list(
    description = "poldem from its covariance matrix (N = 75)",
    syntax = poldem, model_file = "models/poldem.lav",
    summary = list(sample.cov = S_pd, sample.nobs = 75L),
    summary_record = rec(S_pd, 75L, source_data = PD_CSV)),
  summary_hs_cfa_rescale_false = list(
    description = "hs_cfa from S with sample.cov.rescale = FALSE: S is used as is (no (N-1)/N)",
    syntax = hs_cfa, model_file = "models/hs_cfa.lav",
    opts = list(sample.cov.rescale = FALSE),
    summary = list(sample.cov = S_hs, sample.nobs = 301L),
    summary_record = rec(S_hs, 301L, source_data = HS_CSV)),
  summary_hs_cfa_means = list(
    description = "hs_cfa from S and the sample means, meanstructure = TRUE",
    syntax = hs_cfa, model_file = "models/hs_cfa.lav",
    opts = list(meanstructure = TRUE),
    summary = list(sample.cov = S_hs, sample.mean = M_hs, sample.nobs = 301L),
    summary_record = rec(S_hs, 301L, M_hs, source_data = HS_CSV)),
  summary_poldem_means = list(
    description = "poldem from S and the sample means, meanstructure = TRUE",
    syntax = poldem, model_file = "models/poldem.lav",
    opts = list(meanstructure = TRUE),
    summary = list(sample.cov = S_pd, sample.mean = M_pd, sample.nobs = 75L),
    summary_record = rec(S_pd, 75L, M_pd, source_data = PD_CSV)),
  summary_mobi_cor_sd = list(
    description = paste("three ECSI constructs on mobi from a correlation matrix and SDs (both rounded",
                        "to 3 decimals): S = diag(sd) R diag(sd) over all 24 variables, N = 250"),
    syntax = mobi_model, model_file = NULL,
    summary = list(sample.cov = S_mobi, sample.nobs = nrow(mobi)),
    summary_record = rec(S_mobi, nrow(mobi), source_data = MOBI_CSV,
                         cor = mat_obj(R_mobi), sd = mat_obj(sd_mobi),
                         how = "cor and sd = round(cor(mobi), 3), round(apply(mobi, 2, sd), 3); S = diag(sd) %*% cor %*% diag(sd)")),
  summary_hs_school_configural = list(
    description = "hs_cfa by school from per-group covariance matrices, means and n (lists keyed by school)",
    syntax = hs_cfa, model_file = "models/hs_cfa.lav",
    summary = list(sample.cov = S_school, sample.mean = M_school, sample.nobs = N_school),
    summary_record = rec(S_school, N_school, M_school, source_data = HS_CSV, group_variable = "school")),
  summary_hs_school_metric = list(
    description = "as summary_hs_school_configural with group.equal = \"loadings\"",
    syntax = hs_cfa, model_file = "models/hs_cfa.lav",
    opts = list(group.equal = "loadings"),
    summary = list(sample.cov = S_school, sample.mean = M_school, sample.nobs = N_school),
    summary_record = rec(S_school, N_school, M_school, source_data = HS_CSV, group_variable = "school"),
    vcov = TRUE),
  summary_mlr_error = list(
    description = "estimator = \"MLR\" from summary data: lavaan refuses (the robust corrections need raw data)",
    syntax = hs_cfa, model_file = "models/hs_cfa.lav",
    opts = list(estimator = "MLR"),
    summary = list(sample.cov = S_hs, sample.nobs = 301L),
    summary_record = rec(S_hs, 301L, source_data = HS_CSV))
)

for (name in names(wanted_cases(cases))) run_case(name, cases[[name]])
