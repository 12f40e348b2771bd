# Bollen-Stine bootstrap reference values from lavaan (issue #11, point 3).
#
# Run from the repository root:
#   Rscript tests/reference/make_inference_bootstrap_reference.R [parts]
# parts: any of transform, hs_cfa, poldem (default: all; a few minutes:
# three bootstraps of 1000 draws of the HS CFA, two of poldem).
# Writes tests/reference/inference/:
#   bollen_stine_transform.json  the deterministic Bollen-Stine data
#       transformation (lav_bootstrap_internal, type = "bollen.stine") for
#       hs_cfa, hs_cfa with meanstructure = TRUE and poldem: every transformed
#       row, its covariance (N denominator) and means, Sigma-hat, S.
#   bollen_stine_hs_cfa.json     the bootstrap itself on hs_cfa, three ways
#       (each right after set.seed(20261123), R = 1000):
#       bootstrapLavaan(fit, R, type = "bollen.stine", FUN = fitMeasures,
#                       fit.measures = "chisq");
#       sem(..., test = "bollen.stine", bootstrap = R);
#       sem(..., se = "bootstrap", test = "bollen.stine", bootstrap = R).
#   bollen_stine_poldem.json     the same first two on poldem (chi-square 38.1 on
#       35 df: an intermediate bootstrap p-value, unlike hs_cfa's 0).
# R's RNG (Mersenne-Twister, sample.kind = "Rejection") cannot be reproduced
# in Python: use the draws for distributional checks only; the transformation
# is exact. Deterministic: fixed seed, fixed draw count, single core, no timing.
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })

OUT_DIR <- "tests/reference/inference"
dir.create(OUT_DIR, showWarnings = FALSE, recursive = TRUE)
SEED <- 20261123L
PARTS <- commandArgs(trailingOnly = TRUE)
if (length(PARTS) == 0L) PARTS <- c("transform", "hs_cfa", "poldem")
R_BOOT <- 1000L
HS <- "datasets/holzinger_swineford/holzinger_swineford.csv"
PD <- "datasets/political_democracy/political_democracy.csv"
d_hs <- read.csv(HS, row.names = 1L, stringsAsFactors = FALSE)
d_pd <- read.csv(PD, row.names = 1L, stringsAsFactors = FALSE)
read_syntax <- function(path) paste(readLines(path, warn = FALSE), collapse = "\n")
VERSIONS <- list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                 jsonlite = as.character(packageVersion("jsonlite")),
                 RNGkind = I(RNGkind()))
with_warnings <- function(expr) {
  w <- character(0)
  value <- withCallingHandlers(expr, warning = function(cond) {
    w <<- c(w, conditionMessage(cond)); invokeRestart("muffleWarning")
  })
  list(value = value, warnings = I(w))
}
mat <- function(m) list(names = I(colnames(m)), values = unname(m))
fit_summary <- function(fit) {
  pe <- parameterEstimates(fit, ci = FALSE)  # ci = TRUE fails for se = "bootstrap" + test = "bollen.stine" in 0.6-14
  list(nobs = lavInspect(fit, "nobs"), converged = lavInspect(fit, "converged"),
       estimates = pe[, intersect(c("lhs", "op", "rhs", "est", "se"), names(pe))],
       fit = as.list(fitMeasures(fit)))
}
write_case <- function(name, x) {
  x$versions <- VERSIONS
  write_json(x, file.path(OUT_DIR, paste0(name, ".json")), digits = NA,
             auto_unbox = TRUE, na = "null", pretty = TRUE)
  cat("wrote", name, "\n")
}

# ------------------------------------------------------------ the transformation
# lavaan 0.6-14, lav_bootstrap_internal(type = "bollen.stine"), per group g:
#   sigma.sqrt <- lav_matrix_symmetric_sqrt(Sigma.hat[[g]])
#   S.inv.sqrt <- lav_matrix_symmetric_sqrt(lavsamplestats@icov[[g]])
#   X <- scale(lavdata@X[[g]], center = TRUE, scale = FALSE)
#   X <- X %*% S.inv.sqrt %*% sigma.sqrt
#   if (lavmodel@meanstructure) X <- scale(X, center = (-1 * Mu.hat[[g]]), scale = FALSE)
# (lav_matrix_symmetric_sqrt: V diag(sqrt(pmax(d, 0))) V' from eigen(); icov is
# the inverse of the N-denominator sample covariance).
bs_transform <- function(fit) {
  lavdata <- fit@Data; ss <- fit@SampleStats; lm <- fit@Model
  Sigma.hat <- lavaan:::computeSigmaHat(lavmodel = lm)
  Mu.hat <- lavaan:::computeMuHat(lavmodel = lm)
  g <- 1L
  sigma.sqrt <- lavaan:::lav_matrix_symmetric_sqrt(Sigma.hat[[g]])
  S.inv.sqrt <- lavaan:::lav_matrix_symmetric_sqrt(ss@icov[[g]])
  X <- scale(lavdata@X[[g]], center = TRUE, scale = FALSE)
  X <- X %*% S.inv.sqrt %*% sigma.sqrt
  if (lm@meanstructure) X <- scale(X, center = (-1 * Mu.hat[[g]]), scale = FALSE)
  attributes(X) <- list(dim = dim(X))
  vn <- lavNames(fit, "ov")
  colnames(X) <- vn
  n <- nrow(X)
  covZ <- crossprod(sweep(X, 2, colMeans(X))) / n
  colnames(covZ) <- vn
  S <- ss@cov[[g]]; colnames(S) <- vn
  Sig <- Sigma.hat[[g]]; colnames(Sig) <- vn
  Xraw <- lavdata@X[[g]]; colnames(Xraw) <- vn
  list(variables = I(vn), n = n, meanstructure = lm@meanstructure,
       sample_cov_N = mat(S), sample_mean = I(as.numeric(ss@mean[[g]])),
       sigma_hat = mat(Sig), mu_hat = if (lm@meanstructure) I(as.numeric(Mu.hat[[g]])) else NULL,
       S_inv_sqrt = mat(`colnames<-`(S.inv.sqrt, vn)),
       sigma_sqrt = mat(`colnames<-`(sigma.sqrt, vn)),
       first5_raw = unname(Xraw[1:5, ]),
       first5_transformed = unname(X[1:5, ]),
       transformed = unname(X),
       transformed_cov_N = mat(covZ),
       transformed_mean = I(as.numeric(colMeans(X))),
       max_abs_cov_minus_sigma = max(abs(covZ - Sigma.hat[[g]])),
       fit = fit_summary(fit))
}
fit_hs <- sem(read_syntax("models/hs_cfa.lav"), data = d_hs)
fit_hs_ms <- sem(read_syntax("models/hs_cfa.lav"), data = d_hs, meanstructure = TRUE)
fit_pd <- sem(read_syntax("models/poldem.lav"), data = d_pd)
if ("transform" %in% PARTS) write_case("bollen_stine_transform", list(
  description = paste(
    "Bollen-Stine transformed data as lavaan 0.6-14 builds it before resampling",
    "(rows in data order, after listwise deletion; columns in 'variables' order):",
    "Z = (X - 1 xbar') S^(-1/2) Sigma_hat^(1/2), plus 1 mu_hat' when the model has a",
    "meanstructure (else the columns of Z have mean 0). S is the sample covariance with",
    "denominator N, both square roots are the symmetric (eigen) square roots. Then",
    "cov_N(Z) = Sigma_hat exactly. Each bootstrap draw resamples N rows of Z with",
    "replacement (sample.int(N, replace = TRUE)) and refits the model to them."),
  definition = "Z = (X - 1 xbar') %*% S^{-1/2} %*% Sigma_hat^{1/2} [+ 1 mu_hat' if meanstructure]",
  cases = list(
    hs_cfa = c(list(model = "models/hs_cfa.lav", data = HS, options = list()), bs_transform(fit_hs)),
    hs_cfa_meanstructure = c(list(model = "models/hs_cfa.lav", data = HS,
                                  options = list(meanstructure = TRUE)), bs_transform(fit_hs_ms)),
    poldem = c(list(model = "models/poldem.lav", data = PD, options = list()), bs_transform(fit_pd)))))

# ------------------------------------------------------------ the bootstrap
boot_pieces <- function(draws, fail_idx = integer(0), nonadm_idx = integer(0),
                        chisq_obs) {
  ok <- draws[!is.na(draws)]
  list(R = R_BOOT, n_failed = length(fail_idx), failed_index = I(as.integer(fail_idx)),
       n_nonadmissible = length(nonadm_idx), nonadmissible_index = I(as.integer(nonadm_idx)),
       n_successful = length(ok),
       chisq_draws = I(as.numeric(draws)),
       summary = list(mean = mean(ok), sd = sd(ok), min = min(ok), max = max(ok),
                      quantiles = as.list(setNames(quantile(ok, c(.05, .25, .5, .75, .95), type = 7),
                                                   c("q05", "q25", "q50", "q75", "q95")))),
       n_greater = sum(ok > chisq_obs), n_greater_equal = sum(ok >= chisq_obs),
       pvalue_greater = mean(ok > chisq_obs), pvalue_greater_equal = mean(ok >= chisq_obs),
       pvalue_plus_one = (sum(ok >= chisq_obs) + 1) / (length(ok) + 1))
}

if ("hs_cfa" %in% PARTS) {
chisq_obs <- fitMeasures(fit_hs, "chisq")[[1]]
# (a) bootstrapLavaan with FUN = fitMeasures
set.seed(SEED)
t0 <- proc.time()
b1 <- with_warnings(bootstrapLavaan(fit_hs, R = R_BOOT, type = "bollen.stine",
                                    FUN = fitMeasures, fit.measures = "chisq"))
cat("bootstrapLavaan done\n")
bl <- b1$value
bl_pieces <- boot_pieces(bl[, 1], attr(bl, "error.idx"), attr(bl, "nonadmissible"), chisq_obs)

# (b) test = "bollen.stine"
set.seed(SEED)
f2 <- with_warnings(sem(read_syntax("models/hs_cfa.lav"), data = d_hs, test = "bollen.stine",
                        bootstrap = R_BOOT))
cat("test = bollen.stine done\n")
fit_bs <- f2$value
tb <- fit_bs@test[["bollen.stine"]]
# (c) se = "bootstrap" and test = "bollen.stine": lavaan draws the SE replicates
# from the Bollen-Stine transformed data too (lav_model_nvcov_bootstrap) and
# reuses their chi-squares for the test
set.seed(SEED)
f3 <- with_warnings(sem(read_syntax("models/hs_cfa.lav"), data = d_hs, se = "bootstrap",
                        test = "bollen.stine", bootstrap = R_BOOT))
cat("se = bootstrap, test = bollen.stine done\n")
fit_bs_se <- f3$value
tc <- fit_bs_se@test[["bollen.stine"]]
# lavInspect(fit, "boot") fails here in 0.6-14 (the replicate matrix has the
# chi-square as an extra last column): read the slot
boot_coef <- fit_bs_se@boot$coef
colnames(boot_coef) <- c(lavaan:::lav_partable_labels(fit_bs_se@ParTable, type = "free"), "chisq")

write_case("bollen_stine_hs_cfa", list(
  model = "models/hs_cfa.lav", syntax = read_syntax("models/hs_cfa.lav"), data = HS,
  seed = SEED, R = R_BOOT,
  description = paste(
    "Bollen-Stine bootstrap of the hs_cfa chi-square, R = 1000, each run right after",
    "set.seed(20261123) (lavaan then draws iseed <- runif(1, 0, 999999999) and calls",
    "set.seed(iseed) before the draws). chisq_obs: the ML chi-square. lavaan's p-value",
    "(test = 'bollen.stine') is sum(T_boot > chisq_obs) / n_successful (strictly greater,",
    "failed draws dropped, non-admissible ones kept); pvalue_greater_equal is mean(T_boot",
    ">= chisq_obs), pvalue_plus_one (#{T_boot >= T} + 1)/(n + 1), for comparison only.",
    "In test = 'bollen.stine' fits, fitMeasures()'s 'pvalue' is still the standard",
    "chi-square p-value; the bootstrap p-value is in test$bollen.stine$pvalue (recorded",
    "as lavaan_bollen_stine_pvalue)."),
  chisq_obs = chisq_obs, df = fitMeasures(fit_hs, "df")[[1]],
  fit = fit_summary(fit_hs),
  bootstrapLavaan = c(list(call = paste0("bootstrapLavaan(fit, R = 1000, type = 'bollen.stine', ",
                                         "FUN = fitMeasures, fit.measures = 'chisq')"),
                           warnings = b1$warnings), bl_pieces),
  test_bollen_stine = list(
    call = "sem(model, data, test = 'bollen.stine', bootstrap = 1000)",
    warnings = f2$warnings,
    lavaan_bollen_stine_pvalue = tb$pvalue, boot_larger = tb$boot.larger,
    boot_length = tb$boot.length, stat = tb$stat, df = tb$df,
    chisq_draws = I(as.numeric(tb$boot.T)),
    same_draws_as_bootstrapLavaan = isTRUE(all.equal(as.numeric(tb$boot.T), as.numeric(bl[!is.na(bl[, 1]), 1]))),
    max_abs_diff_to_bootstrapLavaan = if (length(tb$boot.T) == sum(!is.na(bl[, 1])))
      max(abs(as.numeric(tb$boot.T) - bl[!is.na(bl[, 1]), 1])) else NULL,
    fit = fit_summary(fit_bs)),
  se_bootstrap_test_bollen_stine = list(
    call = "sem(model, data, se = 'bootstrap', test = 'bollen.stine', bootstrap = 1000)",
    note = paste("SEs are sqrt(diag(cov(COEF) * (B - 1) / B)) over the B successful",
                 "replicates (denominator B), and the replicates come from the Bollen-Stine",
                 "transformed data (the model-implied population), not from the raw data."),
    warnings = f3$warnings,
    lavaan_bollen_stine_pvalue = tc$pvalue, boot_larger = tc$boot.larger,
    boot_length = tc$boot.length,
    chisq_draws = I(as.numeric(tc$boot.T)),
    boot_coef = list(names = I(colnames(boot_coef)), first5 = unname(boot_coef[1:5, , drop = FALSE]),
                     mean = I(as.numeric(colMeans(boot_coef, na.rm = TRUE)))),
    fit = fit_summary(fit_bs_se))))
}

if ("poldem" %in% PARTS) {
chisq_obs <- fitMeasures(fit_pd, "chisq")[[1]]
set.seed(SEED)
b1 <- with_warnings(bootstrapLavaan(fit_pd, R = R_BOOT, type = "bollen.stine",
                                    FUN = fitMeasures, fit.measures = "chisq"))
bl <- b1$value
set.seed(SEED)
f2 <- with_warnings(sem(read_syntax("models/poldem.lav"), data = d_pd, test = "bollen.stine",
                        bootstrap = R_BOOT))
tb <- f2$value@test[["bollen.stine"]]
ok <- !is.na(bl[, 1])
write_case("bollen_stine_poldem", list(
  model = "models/poldem.lav", syntax = read_syntax("models/poldem.lav"), data = PD,
  seed = SEED, R = R_BOOT,
  description = paste(
    "Bollen-Stine bootstrap of the poldem chi-square (N = 75), R = 1000, each run right",
    "after set.seed(20261123); layout as bollen_stine_hs_cfa.json (without the se =",
    "'bootstrap' part). Failed draws (no convergence) are NA in bootstrapLavaan's",
    "chisq_draws and dropped from test_bollen_stine's."),
  chisq_obs = chisq_obs, df = fitMeasures(fit_pd, "df")[[1]],
  fit = fit_summary(fit_pd),
  bootstrapLavaan = c(list(call = paste0("bootstrapLavaan(fit, R = 1000, type = 'bollen.stine', ",
                                         "FUN = fitMeasures, fit.measures = 'chisq')"),
                           warnings = b1$warnings),
                      boot_pieces(bl[, 1], attr(bl, "error.idx"), attr(bl, "nonadmissible"), chisq_obs)),
  test_bollen_stine = list(
    call = "sem(model, data, test = 'bollen.stine', bootstrap = 1000)",
    warnings = f2$warnings,
    lavaan_bollen_stine_pvalue = tb$pvalue, boot_larger = tb$boot.larger,
    boot_length = tb$boot.length, stat = tb$stat, df = tb$df,
    chisq_draws = I(as.numeric(tb$boot.T)),
    same_draws_as_bootstrapLavaan = isTRUE(all.equal(as.numeric(tb$boot.T), as.numeric(bl[ok, 1]))),
    fit = fit_summary(f2$value))))
}
cat("done\n")
