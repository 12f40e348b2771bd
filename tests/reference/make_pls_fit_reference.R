# PLS model fit (SRMR, d_ULS) by cSEM, on cSEM's `satisfaction` data.
#
# cSEM is not installable on this project's machines (no Debian package, CRAN
# unreachable), so the values in tests/reference/pls_fit/csem_satisfaction.json are
# cSEM 0.6.1's, as run by this script's model and options in a third party's
# committed validation (github.com/traderbhai/QuickPLS,
# validation/assessment_published_fixture_csem.R and its output
# validation/results/assessment_published_satisfaction_csem_0_6_1.csv, commit
# 3f9c7346). The data file tests/reference/data/satisfaction.csv is that run's
# write.csv(satisfaction) (250 rows, 27 items). Where cSEM is installed, this
# script makes the same file again:
#
#   Rscript tests/reference/make_pls_fit_reference.R
#
# cSEM is GPL-3: used here only to make reference values, never by loyaltysem.
suppressPackageStartupMessages({library(cSEM); library(jsonlite)})

data(satisfaction)
model <- "
EXPE ~ IMAG
QUAL ~ EXPE
VAL  ~ EXPE + QUAL
SAT  ~ IMAG + EXPE + QUAL + VAL
LOY  ~ IMAG + SAT

IMAG <~ imag1 + imag2 + imag3
EXPE <~ expe1 + expe2 + expe3
QUAL <~ qual1 + qual2 + qual3 + qual4 + qual5
VAL  <~ val1  + val2  + val3

SAT  =~ sat1  + sat2  + sat3  + sat4
LOY  =~ loy1  + loy2  + loy3  + loy4
"
fit <- csem(satisfaction, model, .approach_weights = "PLS-PM",
            .PLS_weight_scheme_inner = "path", .disattenuate = FALSE,
            .iter_max = 3000, .tolerance = 1e-12)
quality <- assess(fit, .quality_criterion = c("ave", "r2"))
out <- list(
  source = paste("cSEM", as.character(packageVersion("cSEM"))),
  model = model, scheme = "path", consistent = FALSE, tol = 1e-12, max_iter = 3000,
  r2 = as.list(quality$R2), ave = as.list(quality$AVE),
  srmr = list(saturated = cSEM:::calculateSRMR(fit, .saturated = TRUE),
              estimated = cSEM:::calculateSRMR(fit, .saturated = FALSE)),
  d_uls = list(saturated = cSEM:::calculateDL(fit, .saturated = TRUE),
               estimated = cSEM:::calculateDL(fit, .saturated = FALSE)))
write_json(out, "tests/reference/pls_fit/csem_satisfaction.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE)
