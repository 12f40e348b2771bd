# R's values of the distribution functions loyaltysem.distributions replaces: what
# lavaan computes its p-values, RMSEA intervals and critical N with.
#
# Run from the repository root, after make_distributions_reference.py (whose
# grid it reads):  Rscript tests/reference/make_distributions_reference.R
# Writes tests/reference/distributions/r.json: pnorm(x, lower.tail = FALSE),
# qnorm(q), pchisq(x, df) both tails, qchisq(q, df) and pchisq(x, df, ncp) both
# tails, on the grid of distributions/mpmath.json, every number with 17
# significant digits (jsonlite's own output keeps 15).
suppressPackageStartupMessages(library(jsonlite))
grid <- fromJSON("tests/reference/distributions/mpmath.json")
num <- function(v) {
  out <- sprintf("%.17g", v)
  out[is.nan(v)] <- "NaN"
  out[v == Inf] <- "Infinity"
  out[v == -Inf] <- "-Infinity"
  paste0("[", paste(out, collapse = ","), "]")
}
n <- grid$normal
c2 <- grid$chi2
nc <- grid$ncx2
# R's pchisq with ncp warns where its series does not reach full precision
# ("full precision may not have been achieved"): keep the values, note the warnings
warned <- 0
ncx2 <- function(lower) {
  withCallingHandlers(
    pchisq(nc$x, nc$df, ncp = nc$nc, lower.tail = lower),
    warning = function(w) { warned <<- warned + 1; invokeRestart("muffleWarning") })
}
parts <- c(
  sprintf('"R": "%s"', R.version.string),
  sprintf('"normal_sf": %s', num(pnorm(n$sf$x, lower.tail = FALSE))),
  sprintf('"normal_ppf": %s', num(qnorm(n$ppf$q))),
  sprintf('"chi2_cdf": %s', num(pchisq(c2$cdf_sf$x, c2$cdf_sf$df))),
  sprintf('"chi2_sf": %s', num(pchisq(c2$cdf_sf$x, c2$cdf_sf$df, lower.tail = FALSE))),
  sprintf('"chi2_ppf": %s', num(qchisq(c2$ppf$q, c2$ppf$df))),
  sprintf('"ncx2_cdf": %s', num(ncx2(TRUE))),
  sprintf('"ncx2_sf": %s', num(ncx2(FALSE)))
)
parts <- c(parts, sprintf('"ncx2_warnings": %d', warned))
writeLines(paste0("{", paste(parts, collapse = ",\n"), "}"), "tests/reference/distributions/r.json")
cat("wrote tests/reference/distributions/r.json;", warned, "pchisq(ncp) warnings\n")
