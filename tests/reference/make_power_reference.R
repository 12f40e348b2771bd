# Satorra & Saris (1985) power of the loyalty chain's LOY ~ TRU path, computed
# with lavaan from the documented population (loyaltysem.data.synthetic's
# loyalty_chain_population: standardized loadings and paths, every latent and
# item variance 1), independently of loyaltysem's own power code.
#
# Run from the repository root:
#   Rscript tests/reference/make_power_reference.R
# Writes tests/reference/robustness/satorra_saris.json:
#   population_cov  the items' population covariance (names, values)
#   lr              sem(<model with LOY ~ 0*TRU>, sample.cov = population_cov,
#                   sample.nobs = N, sample.cov.rescale = FALSE): fmin, chisq,
#                   ncp = 2 N fmin, power = P(chi2_1(ncp) > qchisq(.95, 1))
#   wald            the full model on the same covariance: est and se of
#                   LOY ~ TRU, ncp = (est / se)^2, power as above
# for N = 100, 200, 300, 500. Deterministic: no random numbers.
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

loadings <- list(SAT = c(sat_1 = .85, sat_2 = .82, sat_3 = .78, sat_4 = .74),
                 TRU = c(tru_1 = .86, tru_2 = .81, tru_3 = .76),
                 VAL = c(val_1 = .84, val_2 = .80, val_3 = .72),
                 LOY = c(loy_1 = .88, loy_2 = .83, loy_3 = .77, loy_4 = .70))
latent <- names(loadings)
B <- matrix(0, 4, 4, dimnames = list(latent, latent))   # B[to, from]
B["TRU", "SAT"] <- .60
B["VAL", "TRU"] <- .45; B["VAL", "SAT"] <- .20
B["LOY", "VAL"] <- .40; B["LOY", "SAT"] <- .25; B["LOY", "TRU"] <- .15
# standardized latent covariance: each disturbance variance makes the latent variance 1
Phi <- matrix(0, 4, 4, dimnames = list(latent, latent))
Phi[1, 1] <- 1
for (k in 2:4) {
  b <- B[k, 1:(k - 1)]
  R <- Phi[1:(k - 1), 1:(k - 1), drop = FALSE]
  Phi[k, 1:(k - 1)] <- Phi[1:(k - 1), k] <- R %*% b
  Phi[k, k] <- 1
}
items <- unlist(lapply(loadings, names))
L <- matrix(0, length(items), 4, dimnames = list(items, latent))
for (f in latent) L[names(loadings[[f]]), f] <- loadings[[f]]
Sigma <- L %*% Phi %*% t(L)
diag(Sigma) <- 1

full <- "
SAT =~ sat_1 + sat_2 + sat_3 + sat_4
TRU =~ tru_1 + tru_2 + tru_3
VAL =~ val_1 + val_2 + val_3
LOY =~ loy_1 + loy_2 + loy_3 + loy_4
TRU ~ SAT
VAL ~ TRU + SAT
LOY ~ VAL + SAT + TRU
"
restricted <- sub("LOY ~ VAL + SAT + TRU", "LOY ~ VAL + SAT + 0*TRU", full, fixed = TRUE)
alpha <- 0.05
critical <- qchisq(1 - alpha, 1)
sizes <- c(100L, 200L, 300L, 500L)

lr <- lapply(sizes, function(n) {
  fit <- sem(restricted, sample.cov = Sigma, sample.nobs = n, sample.cov.rescale = FALSE)
  fmin <- unname(fitMeasures(fit, "fmin"))
  ncp <- 2 * n * fmin
  list(n = n, fmin = fmin, chisq = unname(fitMeasures(fit, "chisq")), ncp = ncp,
       power = 1 - pchisq(critical, 1, ncp = ncp), converged = lavInspect(fit, "converged"))
})
wald <- lapply(sizes, function(n) {
  fit <- sem(full, sample.cov = Sigma, sample.nobs = n, sample.cov.rescale = FALSE)
  pe <- parameterEstimates(fit)
  row <- pe[pe$lhs == "LOY" & pe$op == "~" & pe$rhs == "TRU", ]
  ncp <- (row$est / row$se)^2
  list(n = n, est = row$est, se = row$se, ncp = ncp,
       power = 1 - pchisq(critical, 1, ncp = ncp), chisq = unname(fitMeasures(fit, "chisq")))
})

out <- list(
  lavaan_version = as.character(packageVersion("lavaan")),
  R_version = paste(R.version$major, R.version$minor, sep = "."),
  path = c("TRU", "LOY"), alpha = alpha, critical = critical,
  population_cov = list(names = I(items), values = unname(Sigma)),
  lr = lr, wald = wald)
dir.create("tests/reference/robustness", showWarnings = FALSE)
write_json(out, "tests/reference/robustness/satorra_saris.json", digits = NA,
           auto_unbox = TRUE, pretty = TRUE)
for (x in lr) cat(sprintf("N = %d  LR ncp = %.6f  power = %.6f\n", x$n, x$ncp, x$power))
for (x in wald) cat(sprintf("N = %d  Wald ncp = %.6f  power = %.6f\n", x$n, x$ncp, x$power))
